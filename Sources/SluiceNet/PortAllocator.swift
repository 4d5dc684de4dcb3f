internal import NIOConcurrencyHelpers

/// Hands out UDP ports from the configured RTC range, round robin, never one that is in use.
///
/// Shared by all workers; binding can still fail when another process holds the port, so
/// callers try the next one.
final class PortAllocator: Sendable {
    let range: ClosedRange<Int>
    private struct State {
        var next: Int
        var inUse: Set<Int> = []
    }
    private let state: NIOLockedValueBox<State>

    init(range: ClosedRange<Int>) {
        self.range = range
        self.state = NIOLockedValueBox(State(next: Int.random(in: range)))
    }

    /// The next free port, or nil when every port of the range is taken.
    func reserve() -> Int? {
        state.withLockedValue { state in
            for _ in 0..<range.count {
                let candidate = state.next
                state.next = candidate >= range.upperBound ? range.lowerBound : candidate + 1
                if state.inUse.insert(candidate).inserted { return candidate }
            }
            return nil
        }
    }

    /// Reserves a given port; false when it is already in use.
    func reserve(_ port: Int) -> Bool {
        state.withLockedValue { $0.inUse.insert(port).inserted }
    }

    func release(_ port: Int) {
        _ = state.withLockedValue { $0.inUse.remove(port) }
    }

    var inUseCount: Int { state.withLockedValue { $0.inUse.count } }
}
