internal import Foundation

/// A bounded multi-producer, single-consumer queue between worker loops and a recorder thread.
///
/// Media beyond `capacity` is refused (the caller counts it) so a slow disk never blocks a worker.
final class InputQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        items.reserveCapacity(self.capacity)
    }

    /// Appends unless full (`force` appends anyway); false when refused or closed.
    func offer(_ item: Element, force: Bool = false) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, force || items.count < capacity else { return false }
        items.append(item)
        if items.count == 1 { condition.signal() }
        return true
    }

    /// Everything queued, waiting up to `timeout` seconds for the first item.
    func takeAll(timeout: Double) -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !closed {
            _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
        }
        let taken = items
        items.removeAll(keepingCapacity: true)
        return taken
    }

    /// Refuses everything from now on.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wakes the consumer without an item.
    func wake() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
