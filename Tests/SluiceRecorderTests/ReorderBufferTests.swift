import Testing
@testable import SluiceRecorder

@Suite("ReorderBuffer")
struct ReorderBufferTests {
    /// Inserts packets given as (sequence, arrival) and returns the summaries of everything released.
    static func run(_ buffer: inout ReorderBuffer, _ packets: [(UInt16, Double)]) -> [String] {
        packets.flatMap { sequence, arrival in
            buffer.insert(rtpPacket(sequence, ts: 0, [0xAA], at: arrival)).map(\.summary)
        }
    }

    static func run(_ buffer: inout ReorderBuffer, _ sequences: [UInt16]) -> [String] {
        run(&buffer, sequences.map { ($0, 0) })
    }

    @Test func inOrderPacketsPassStraightThrough() {
        var buffer = ReorderBuffer()
        #expect(Self.run(&buffer, [10, 11, 12, 13]) == ["p10", "p11", "p12", "p13"])
        #expect(buffer.flush().isEmpty)
        #expect(buffer.duplicates == 0 && buffer.late == 0 && buffer.lost == 0)
    }

    @Test func swappedPairIsPutBackInOrder() {
        var buffer = ReorderBuffer()
        var released = Self.run(&buffer, [1, 3])
        #expect(released == ["p1"])  // 3 waits for 2
        released += Self.run(&buffer, [2, 4])
        #expect(released == ["p1", "p2", "p3", "p4"])
        #expect(buffer.lost == 0)
    }

    @Test func duplicatesAreDroppedWhetherWaitingOrReleased() {
        var buffer = ReorderBuffer()
        // 7 is released, then 9 waits; a second 9 (waiting) and a second 7 (released) are duplicates.
        #expect(Self.run(&buffer, [7, 9, 9, 7]) == ["p7"])
        #expect(buffer.duplicates == 2)
        #expect(Self.run(&buffer, [8]) == ["p8", "p9"])
        #expect(buffer.late == 0)
    }

    @Test func packetAfterItsGapWasGivenUpIsLate() {
        var buffer = ReorderBuffer(maximumPackets: 2)
        // 2 is missing; when 3 packets wait, the gap is given up.
        #expect(Self.run(&buffer, [1, 3, 4, 5]) == ["p1", "gap1", "p3", "p4", "p5"])
        #expect(Self.run(&buffer, [2]) == [])
        #expect(buffer.late == 1)
        #expect(buffer.lost == 1)
        #expect(buffer.duplicates == 0)
    }

    @Test func wrapAroundIsInOrder() {
        var buffer = ReorderBuffer()
        // 65534, then 0 before 65535 (swapped across the wrap), then 1.
        #expect(Self.run(&buffer, [65534, 0, 65535, 1]) == ["p65534", "p65535", "p0", "p1"])
        #expect(buffer.lost == 0 && buffer.late == 0)
        // 65535 again after the wrap is a duplicate, not a restart.
        #expect(Self.run(&buffer, [65535]) == [])
        #expect(buffer.duplicates == 1)
    }

    @Test func gapAcrossWrapAroundCountsTheMissingNumbers() {
        var buffer = ReorderBuffer(maximumPackets: 0)
        // 65535 and 0 are missing.
        #expect(Self.run(&buffer, [65534, 1]) == ["p65534", "gap2", "p1"])
        #expect(buffer.lost == 2)
    }

    @Test func gapIsGivenUpWhenTooManyPacketsWait() {
        var buffer = ReorderBuffer(maximumPackets: 3, maximumDelay: 10)
        #expect(Self.run(&buffer, [100, 102, 103, 104]) == ["p100"])  // three waiting: still hoping for 101
        #expect(Self.run(&buffer, [105]) == ["gap1", "p102", "p103", "p104", "p105"])
        #expect(buffer.lost == 1)
        #expect(Self.run(&buffer, [106]) == ["p106"])
    }

    @Test func gapIsGivenUpWhenTheOldestWaitingIsTooOld() {
        var buffer = ReorderBuffer(maximumPackets: 64, maximumDelay: 0.15)
        // 2 and 3 are missing; 4 arrives at 1.00, 5 at 1.10: still within 150 ms of the newest.
        #expect(Self.run(&buffer, [(1, 1.00), (4, 1.00), (5, 1.10)]) == ["p1"])
        // 6 arrives at 1.16: 4 has waited 160 ms, so 2 and 3 are given up.
        #expect(Self.run(&buffer, [(6, 1.16)]) == ["gap2", "p4", "p5", "p6"])
        #expect(buffer.lost == 2)
    }

    @Test func delayGivesUpSeveralGapsInTurn() {
        var buffer = ReorderBuffer(maximumPackets: 64, maximumDelay: 0.1)
        // Waiting: 3 (at 0.0), 6 (at 0.05); 8 at 0.2 makes both old: both gaps are given up.
        #expect(Self.run(&buffer, [(1, 0), (3, 0), (6, 0.05)]) == ["p1"])
        #expect(Self.run(&buffer, [(8, 0.2)]) == ["gap1", "p3", "gap2", "p6"])
        #expect(buffer.lost == 3)
        // 8 itself has not waited long yet.
        #expect(Self.run(&buffer, [(7, 0.21)]) == ["p7", "p8"])
    }

    @Test(arguments: [UInt16(4000), 60000])
    func senderRestartJumpStartsOver(restartAt: UInt16) {
        var buffer = ReorderBuffer()
        // 11 is missing, 12 waits; then the sender restarts at `restartAt`.
        #expect(Self.run(&buffer, [10, 12]) == ["p10"])
        let released = Self.run(&buffer, [restartAt, restartAt &+ 1])
        #expect(released == ["gap1", "p12", "gap0", "p\(restartAt)", "p\(restartAt &+ 1)"])
        #expect(buffer.lost == 1)
        #expect(buffer.late == 0)
    }

    @Test func senderRestartSlightlyBehindStartsOverAfterARunOfLatePackets() {
        var buffer = ReorderBuffer()
        #expect(Self.run(&buffer, Array(UInt16(2000)...2010)).count == 11)
        // The restarted sender numbers from 1000: 51 packets in a row are "late"…
        let late = Self.run(&buffer, Array(UInt16(1000)...1050))
        #expect(late == ["gap0", "p1050"], "the run of late packets is taken as a new sequence")
        #expect(buffer.late == 51)
        // …and the new numbering flows from there.
        #expect(Self.run(&buffer, [1051, 1052]) == ["p1051", "p1052"])
    }

    @Test func jumpWithinThresholdIsAGapNotARestart() {
        var buffer = ReorderBuffer(maximumPackets: 0)
        #expect(Self.run(&buffer, [10, 2010]) == ["p10", "gap1999", "p2010"])
        #expect(buffer.lost == 1999)
    }

    @Test func flushReleasesEverythingWithGaps() {
        var buffer = ReorderBuffer()
        #expect(Self.run(&buffer, [1, 3, 6, 4]) == ["p1"])
        #expect(buffer.flush().map(\.summary) == ["gap1", "p3", "p4", "gap1", "p6"])
        #expect(buffer.lost == 2)
        #expect(buffer.flush().isEmpty)
        // The sequence carries on after a flush.
        #expect(Self.run(&buffer, [7]) == ["p7"])
    }

    @Test func resetForgetsTheSequence() {
        var buffer = ReorderBuffer()
        #expect(Self.run(&buffer, [1, 3]) == ["p1"])
        buffer.reset()
        // New SSRC: 500 starts the sequence; 3 was discarded, 1 is not a duplicate any more.
        #expect(Self.run(&buffer, [500, 501]) == ["p500", "p501"])
        #expect(buffer.flush().isEmpty)
        buffer.reset()
        #expect(Self.run(&buffer, [1]) == ["p1"])
        #expect(buffer.duplicates == 0)
    }

    @Test func releasedPacketsKeepTheirContents() {
        var buffer = ReorderBuffer()
        _ = buffer.insert(rtpPacket(1, ts: 90, marker: false, [1], at: 0.5))
        let released = buffer.insert(rtpPacket(2, ts: 180, marker: true, [2, 3], at: 0.6))
        guard case .packet(let packet)? = released.first else {
            Issue.record("expected a packet, got \(released)")
            return
        }
        #expect(packet.sequenceNumber == 2 && packet.timestamp == 180 && packet.marker)
        #expect(packet.payload == [2, 3] && packet.arrival == 0.6)
    }
}
