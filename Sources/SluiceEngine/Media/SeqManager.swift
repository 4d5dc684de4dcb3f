/// Rewrites a consumer's sequence numbers: continuous across pause, resume and producer changes,
/// with dropped inputs taken out of the numbering so receivers see no gap.
struct SeqManager {
    private var base: UInt16 = 0
    private var maxInput: UInt16 = 0
    private(set) var maxOutput: UInt16
    private var started = false
    /// Inputs dropped on purpose since the last sync, oldest first.
    private var dropped: [UInt16] = []

    /// - Parameter initialOutput: the first sequence number sent (random in the reference engine).
    init(initialOutput: UInt16) {
        maxOutput = initialOutput &- 1
    }

    /// Restarts the mapping so that `input + 1` follows the last output without a gap.
    mutating func sync(_ input: UInt16) {
        base = input &- maxOutput
        maxInput = input
        dropped.removeAll(keepingCapacity: true)
        started = true
    }

    /// Takes a newer input out of the numbering (a packet we decided not to send).
    mutating func drop(_ input: UInt16) {
        guard started, SequenceNumber.isNewer(input, than: maxInput) else { return }
        maxInput = input
        dropped.append(input)
        foldOldDrops()
    }

    /// The output number for an input; nil when the input was dropped earlier.
    mutating func input(_ input: UInt16) -> UInt16? {
        if !started { sync(input &- 1) }
        var before: UInt16 = 0
        for value in dropped {
            if value == input { return nil }
            if SequenceNumber.isOlder(value, than: input) { before &+= 1 }
        }
        let output = input &- base &- before
        if SequenceNumber.isNewer(input, than: maxInput) { maxInput = input }
        if SequenceNumber.isNewer(output, than: maxOutput) { maxOutput = output }
        return output
    }

    /// Drops far behind the newest input can no longer be confused with live packets: fold them
    /// into the base so the list stays short.
    private mutating func foldOldDrops() {
        while let first = dropped.first, maxInput &- first > 2000 {
            dropped.removeFirst()
            base &+= 1
        }
    }
}
