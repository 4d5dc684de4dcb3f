public import SluiceEngine
public import NIOCore
internal import NIOPosix

/// One event loop (one thread) and the rooms that live on it.
///
/// Engine objects are touched only from `eventLoop`; callers hop on with ``run(_:)``.
public final class Worker: Sendable {
    public let index: Int
    public let eventLoop: any EventLoop
    let state: NIOLoopBound<WorkerState>

    private init(index: Int, eventLoop: any EventLoop, state: NIOLoopBound<WorkerState>) {
        self.index = index
        self.eventLoop = eventLoop
        self.state = state
    }

    static func make(
        index: Int, eventLoop: any EventLoop, configuration: RouterConfiguration, events: RoomEventHub
    ) async throws -> Worker {
        let state = try await eventLoop.submit {
            NIOLoopBound(WorkerState(index: index, configuration: configuration, events: events), eventLoop: eventLoop)
        }.get()
        return Worker(index: index, eventLoop: eventLoop, state: state)
    }

    /// Runs `body` on the worker's loop; afterwards acts on the engine's events (closes sockets).
    public func run<T: Sendable>(_ body: @escaping @Sendable (WorkerState) throws -> T) async throws -> T {
        try await eventLoop.submit { [state] in
            let workerState = state.value
            defer { workerState.applyPendingEvents() }
            return try body(workerState)
        }.get()
    }
}

extension Worker {
    /// Runs `body` on the worker's loop without waiting for it (from any thread).
    public func execute(_ body: @escaping @Sendable (WorkerState) -> Void) {
        eventLoop.execute { [state] in
            let workerState = state.value
            defer { workerState.applyPendingEvents() }
            body(workerState)
        }
    }

    /// Drives the engines' timers at the interval they ask for.
    func startTimer() {
        let state = self.state
        eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(Router.timerInterval)), delay: .milliseconds(Int64(Router.timerInterval))
        ) { _ in
            state.value.tick(now: MediaTime(nanoseconds: NIODeadline.now().uptimeNanoseconds))
        }
    }
}

extension WorkerState {
    func applyPendingEvents() {
        for room in rooms.values { apply(room.drainEvents(), roomId: room.id) }
        if sharedPort?.server.hasConnectionsToClose == true { closeConnectionsTheServerDropped() }
    }
}
