import NIOCore
import Testing

@testable import SluiceRTP

struct PacketsRtcpVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var packets: [RtcpPacket]
    /// Whether serialising the parsed packets gives back exactly `bytes`.
    var exact = true
    var testDescription: String { name }
}

struct PacketsRtcpErrorVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var error: RtcpParseError
    var testDescription: String { name }
}

let packetsReportBlock: [UInt8] = [
    0xBC, 0x5E, 0x9A, 0x40, // ssrc=0xBC5E9A40
    0x00, 0x00, 0x00, 0x00, // fraction lost=0, cumulative lost=0
    0x00, 0x00, 0x46, 0xE1, // extended highest seq=0x46E1
    0x00, 0x00, 0x01, 0x11, // jitter=273
    0x09, 0xF3, 0x64, 0x32, // LSR=0x09F36432
    0x00, 0x02, 0x4A, 0x79, // DLSR=150137
]
let packetsReportBlockValue = ReceptionReport(
    ssrc: 0xBC5E_9A40, fractionLost: 0, totalLost: 0, highestSequenceNumber: 0x46E1, jitter: 273,
    lastSenderReport: 0x09F3_6432, delaySinceLastSenderReport: 150_137)

/// A compound packet from a capture, from pion/rtcp's packet_test.go (MIT): RR, SDES, BYE, PLI,
/// RTPFB FMT=5 (rapid resynchronisation request) and APP.
let packetsPionRealCompound: [UInt8] = [
    0x81, 0xC9, 0x00, 0x07, // V=2 P=0 RC=1 PT=201 (RR) len=7
    0x90, 0x2F, 0x9E, 0x2E, // ssrc=0x902F9E2E
] + packetsReportBlock + [
    0x81, 0xCA, 0x00, 0x0C, // V=2 P=0 SC=1 PT=202 (SDES) len=12
    0x90, 0x2F, 0x9E, 0x2E, // ssrc=0x902F9E2E
    0x01, 0x26, // CNAME, len=38
    0x7B, 0x39, 0x63, 0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2D, 0x31, 0x61, 0x66, // "{9c00eb92-1af"
    0x62, 0x2D, 0x39, 0x64, 0x34, 0x39, 0x2D, 0x61, 0x34, 0x37, 0x64, 0x2D, 0x39, // "b-9d49-a47d-9"
    0x31, 0x66, 0x36, 0x34, 0x65, 0x65, 0x65, 0x36, 0x39, 0x66, 0x35, 0x7D, // "1f64eee69f5}"
    0x00, 0x00, 0x00, 0x00, // END + padding
    0x81, 0xCB, 0x00, 0x01, // V=2 P=0 SC=1 PT=203 (BYE) len=1
    0x90, 0x2F, 0x9E, 0x2E, // ssrc
    0x81, 0xCE, 0x00, 0x02, // V=2 P=0 FMT=1 PT=206 (PLI) len=2
    0x90, 0x2F, 0x9E, 0x2E, // sender
    0x90, 0x2F, 0x9E, 0x2E, // media
    0x85, 0xCD, 0x00, 0x02, // V=2 P=0 FMT=5 PT=205 (RRR, unknown to us) len=2
    0x90, 0x2F, 0x9E, 0x2E,
    0x90, 0x2F, 0x9E, 0x2E,
    0x80, 0xCC, 0x00, 0x03, // V=2 P=0 subtype=0 PT=204 (APP) len=3
    0x4B, 0xAA, 0xE1, 0xAB, // ssrc
    0x4E, 0x41, 0x4D, 0x45, // name "NAME"
    0x41, 0x42, 0x43, 0x44, // data "ABCD"
]

let packetsRtcpVectors: [PacketsRtcpVector] = [
    PacketsRtcpVector(
        name: "SR with one report block",
        bytes: [
            0x81, 0xC8, 0x00, 0x0C, // V=2 P=0 RC=1 PT=200 len=12
            0x90, 0x2F, 0x9E, 0x2E, // ssrc
            0xDA, 0x8B, 0xD1, 0xFC, // NTP msw
            0xDD, 0xDD, 0xA0, 0x5A, // NTP lsw
            0xAA, 0xF4, 0xED, 0xD5, // RTP ts
            0x00, 0x00, 0x00, 0x01, // packet count=1
            0x00, 0x00, 0x00, 0x02, // octet count=2
        ] + packetsReportBlock,
        packets: [.senderReport(SenderReport(
            ssrc: 0x902F_9E2E, ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A, rtpTimestamp: 0xAAF4_EDD5, packetCount: 1,
            octetCount: 2, reports: [packetsReportBlockValue]))]),
    PacketsRtcpVector(
        name: "SR without report blocks",
        bytes: [
            0x80, 0xC8, 0x00, 0x06, // V=2 P=0 RC=0 PT=200 len=6
            0x00, 0x00, 0x00, 0x01, // ssrc=1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // NTP=2
            0x00, 0x00, 0x00, 0x03, // RTP ts=3
            0x00, 0x00, 0x00, 0x04, // packets=4
            0x00, 0x00, 0x00, 0x05, // octets=5
        ],
        packets: [.senderReport(SenderReport(ssrc: 1, ntpTimestamp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5))]),
    PacketsRtcpVector(
        name: "RR with negative cumulative loss",
        bytes: [
            0x81, 0xC9, 0x00, 0x07, // V=2 P=0 RC=1 PT=201 len=7
            0x00, 0x00, 0x00, 0x01, // ssrc=1
            0x00, 0x00, 0x00, 0x02, // report ssrc=2
            0x40, 0xFF, 0xFF, 0xFF, // fraction lost=64 (25%), cumulative lost=-1 (duplicates)
            0x00, 0x01, 0x00, 0x05, // extended highest seq: cycles=1 seq=5
            0x00, 0x00, 0x00, 0x10, // jitter=16
            0x00, 0x00, 0x00, 0x00, // LSR=0
            0x00, 0x00, 0x00, 0x00, // DLSR=0
        ],
        packets: [.receiverReport(ReceiverReport(ssrc: 1, reports: [ReceptionReport(
            ssrc: 2, fractionLost: 64, totalLost: -1, highestSequenceNumber: 0x0001_0005, jitter: 16)]))]),
    PacketsRtcpVector(
        name: "empty RR",
        bytes: [
            0x80, 0xC9, 0x00, 0x01, // V=2 P=0 RC=0 PT=201 len=1
            0x12, 0x34, 0x56, 0x78, // ssrc
        ],
        packets: [.receiverReport(ReceiverReport(ssrc: 0x1234_5678))]),
    PacketsRtcpVector(
        name: "SDES with two chunks, CNAME and NAME",
        bytes: [
            0x82, 0xCA, 0x00, 0x07, // V=2 P=0 SC=2 PT=202 len=7
            0x00, 0x00, 0x00, 0x01, // chunk 1 ssrc=1
            0x01, 0x03, 0x61, 0x62, // CNAME len=3 "ab..
            0x63, 0x00, 0x00, 0x00, // ..c" END pad pad
            0x00, 0x00, 0x00, 0x02, // chunk 2 ssrc=2
            0x01, 0x01, 0x78, 0x02, // CNAME len=1 "x" | NAME
            0x03, 0x42, 0x6F, 0x62, // len=3 "Bob"
            0x00, 0x00, 0x00, 0x00, // END pad pad pad
        ],
        packets: [.sourceDescription(SourceDescription(chunks: [
            .init(ssrc: 1, items: [.init(type: 1, text: "abc")]),
            .init(ssrc: 2, items: [.init(type: 1, text: "x"), .init(type: 2, text: "Bob")]),
        ]))]),
    PacketsRtcpVector(
        name: "SDES whose items end on a word boundary gets a whole word of nulls",
        bytes: [
            0x81, 0xCA, 0x00, 0x03, // V=2 P=0 SC=1 PT=202 len=3
            0x00, 0x00, 0x00, 0x09, // ssrc=9
            0x01, 0x02, 0x68, 0x69, // CNAME len=2 "hi"
            0x00, 0x00, 0x00, 0x00, // END + 3 pad
        ],
        packets: [.sourceDescription(.cname(ssrc: 9, cname: "hi"))]),
    PacketsRtcpVector(
        name: "SDES with an empty chunk",
        bytes: [
            0x81, 0xCA, 0x00, 0x02, // V=2 P=0 SC=1 PT=202 len=2
            0x00, 0x00, 0x00, 0x09, // ssrc=9
            0x00, 0x00, 0x00, 0x00, // END + 3 pad
        ],
        packets: [.sourceDescription(SourceDescription(chunks: [.init(ssrc: 9, items: [])]))]),
    PacketsRtcpVector(
        name: "BYE with reason",
        bytes: [
            0x81, 0xCB, 0x00, 0x03, // V=2 P=0 SC=1 PT=203 len=3
            0x00, 0x00, 0x00, 0x2A, // ssrc=42
            0x06, 0x63, 0x61, 0x6D, // len=6 "cam..
            0x65, 0x72, 0x61, 0x00, // ..era" pad
        ],
        packets: [.goodbye(Goodbye(ssrcs: [42], reason: "camera"))]),
    PacketsRtcpVector(
        name: "BYE with two sources, no reason",
        bytes: [
            0x82, 0xCB, 0x00, 0x02, // V=2 P=0 SC=2 PT=203 len=2
            0x00, 0x00, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x02,
        ],
        packets: [.goodbye(Goodbye(ssrcs: [1, 2]))]),
    PacketsRtcpVector(
        name: "generic NACK",
        bytes: [
            0x81, 0xCD, 0x00, 0x04, // V=2 P=0 FMT=1 PT=205 len=4
            0x00, 0x00, 0x00, 0x01, // sender ssrc=1
            0x00, 0x00, 0x00, 0x02, // media ssrc=2
            0x04, 0xD2, 0x00, 0x05, // PID=1234 BLP=0b101: 1234, 1235, 1237
            0xFF, 0xFF, 0x80, 0x00, // PID=65535 BLP bit 15: 65535, 15
        ],
        packets: [.nack(GenericNack(senderSsrc: 1, mediaSsrc: 2, items: [
            .init(pid: 1234, blp: 0x0005), .init(pid: 65535, blp: 0x8000),
        ]))]),
    PacketsRtcpVector(
        name: "PLI",
        bytes: [
            0x81, 0xCE, 0x00, 0x02, // V=2 P=0 FMT=1 PT=206 len=2
            0x00, 0x00, 0x00, 0x01, // sender
            0x4B, 0xC4, 0xFC, 0xB4, // media
        ],
        packets: [.pli(PictureLossIndication(senderSsrc: 1, mediaSsrc: 0x4BC4_FCB4))]),
    PacketsRtcpVector(
        name: "FIR with two entries (pion/rtcp full_intra_request_test.go)",
        bytes: [
            0x84, 0xCE, 0x00, 0x06, // V=2 P=0 FMT=4 PT=206 len=6
            0x00, 0x00, 0x00, 0x00, // sender=0
            0x4B, 0xC4, 0xFC, 0xB4, // media=0x4BC4FCB4
            0x12, 0x34, 0x56, 0x78, // ssrc=0x12345678
            0x42, 0x00, 0x00, 0x00, // seq=0x42 reserved
            0x98, 0x76, 0x54, 0x32, // ssrc=0x98765432
            0x57, 0x00, 0x00, 0x00, // seq=0x57 reserved
        ],
        packets: [.fir(FullIntraRequest(senderSsrc: 0, mediaSsrc: 0x4BC4_FCB4, entries: [
            .init(ssrc: 0x1234_5678, sequenceNumber: 0x42), .init(ssrc: 0x9876_5432, sequenceNumber: 0x57),
        ]))]),
    PacketsRtcpVector(
        name: "REMB sent by Chrome (pion/rtcp receiver_estimated_maximum_bitrate_test.go)",
        bytes: [
            0x8F, 0xCE, 0x00, 0x05, // V=2 P=0 FMT=15 PT=206 len=5
            0x00, 0x00, 0x00, 0x01, // sender=1
            0x00, 0x00, 0x00, 0x00, // media=0
            0x52, 0x45, 0x4D, 0x42, // "REMB"
            0x01, 0x1A, 0x20, 0xDF, // num=1 exp=6 mantissa=139487 → 8927168 bps
            0x48, 0x74, 0xED, 0x16, // ssrc=1215622422
        ],
        packets: [.remb(ReceiverEstimatedMaxBitrate(senderSsrc: 1, bitrate: 8_927_168, ssrcs: [1_215_622_422]))]),
    PacketsRtcpVector(
        name: "transport-cc, one small delta, RTCP padding (pion example1)",
        bytes: [
            0xAF, 0xCD, 0x00, 0x05, // V=2 P=1 FMT=15 PT=205 len=5
            0xFA, 0x17, 0xFA, 0x17, // sender
            0x43, 0x03, 0x2F, 0xA0, // media
            0x00, 0x99, 0x00, 0x01, // base seq=153 status count=1
            0x3D, 0xE8, 0x02, 0x17, // reference time=4057090 fb count=23
            0x20, 0x01, 0x94, 0x01, // run length: small delta ×1 | delta 148×250µs | padding count=1
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 0xFA17_FA17, mediaSsrc: 0x4303_2FA0, baseSequenceNumber: 153, referenceTime: 4_057_090,
            feedbackPacketCount: 23, packets: [.init(sequenceNumber: 153, receivedDeltaMicros: 37_000)]))]),
    PacketsRtcpVector(
        name: "transport-cc, run of 7 small deltas (pion example4)",
        bytes: [
            0xAF, 0xCD, 0x00, 0x07, // V=2 P=1 FMT=15 PT=205 len=7
            0xFA, 0x17, 0xFA, 0x17, // sender
            0x19, 0x3D, 0xD8, 0xBB, // media
            0x00, 0x04, 0x00, 0x07, // base seq=4 status count=7
            0x10, 0x63, 0x6E, 0x01, // reference time=1074030 fb count=1
            0x20, 0x07, 0x4C, 0x24, // run length: small ×7 | deltas 76, 36
            0x24, 0x10, 0x0C, 0x0C, // 36, 16, 12, 12
            0x10, 0x00, 0x00, 0x03, // 16 | padding, count=3
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 0xFA17_FA17, mediaSsrc: 0x193D_D8BB, baseSequenceNumber: 4, referenceTime: 1_074_030,
            feedbackPacketCount: 1,
            packets: zip(UInt16(4)..., [19_000, 9000, 9000, 4000, 3000, 3000, 4000] as [Int64]).map {
                .init(sequenceNumber: $0, receivedDeltaMicros: $1)
            }))]),
    PacketsRtcpVector(
        name: "transport-cc, 1-bit status vector (pion example5, padding count corrected to 2)",
        bytes: [
            0xAF, 0xCD, 0x00, 0x06, // V=2 P=1 FMT=15 PT=205 len=6
            0xFA, 0x17, 0xFA, 0x17, // sender
            0x19, 0x3D, 0xD8, 0xBB, // media
            0x00, 0x01, 0x00, 0x0E, // base seq=1 status count=14
            0x10, 0x63, 0x6D, 0x00, // reference time=1074029 fb count=0
            0xBA, 0x00, 0x10, 0x0C, // 1-bit vector 1,1,1,0,1,0×9 | deltas 16, 12
            0x0C, 0x10, 0x00, 0x02, // 12, 16 | padding, count=2
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 0xFA17_FA17, mediaSsrc: 0x193D_D8BB, baseSequenceNumber: 1, referenceTime: 1_074_029,
            feedbackPacketCount: 0,
            packets: zip(UInt16(1)..., [4000, 3000, 3000, nil, 4000, nil, nil, nil, nil, nil, nil, nil, nil, nil] as [Int64?])
                .map { .init(sequenceNumber: $0, receivedDeltaMicros: $1) }))]),
    PacketsRtcpVector(
        name: "transport-cc, 2-bit vector and an over-long run (pion example6; we encode the run shorter)",
        bytes: [
            0xAF, 0xCD, 0x00, 0x07, // V=2 P=1 FMT=15 PT=205 len=7
            0x9B, 0x74, 0xF6, 0x1F, // sender
            0x93, 0x71, 0xDC, 0xBC, // media
            0x85, 0x3C, 0x00, 0x09, // base seq=34108 status count=9
            0x63, 0xF9, 0x16, 0xB3, // reference time=6551830 fb count=179
            0xD5, 0x52, 0x00, 0x30, // 2-bit vector 1,1,1,1,1,0,2 | run length: not received ×48 (only 2 used)
            0x9B, 0xAA, 0x6A, 0xAA, // small deltas
            0x7B, 0x01, 0x09, 0x01, // small | large 0x0109 | padding count=1
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 0x9B74_F61F, mediaSsrc: 0x9371_DCBC, baseSequenceNumber: 34108, referenceTime: 6_551_830,
            feedbackPacketCount: 179,
            packets: zip(UInt16(34108)..., [38_750, 42_500, 26_500, 42_500, 30_750, nil, 66_250, nil, nil] as [Int64?])
                .map { .init(sequenceNumber: $0, receivedDeltaMicros: $1) }))],
        exact: false),
    PacketsRtcpVector(
        name: "transport-cc with status count 0 (pion example7)",
        bytes: [
            0x8F, 0xCD, 0x00, 0x04, // V=2 P=0 FMT=15 PT=205 len=4
            0x9A, 0xCB, 0x04, 0x42, // sender
            0x00, 0x00, 0x00, 0x00, // media
            0x00, 0x00, 0x00, 0x00, // base seq=0 count=0
            0x00, 0x00, 0x00, 0x00, // reference time=0 fb count=0
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 0x9ACB_0442, mediaSsrc: 0, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0,
            packets: []))]),
    PacketsRtcpVector(
        name: "transport-cc with negative reference time and a negative large delta",
        bytes: [
            0xAF, 0xCD, 0x00, 0x06, // V=2 P=1 FMT=15 PT=205 len=6
            0x00, 0x00, 0x00, 0x01, // sender
            0x00, 0x00, 0x00, 0x02, // media
            0xFF, 0xFE, 0x00, 0x02, // base seq=65534 count=2
            0xFF, 0xFF, 0xFF, 0x09, // reference time=-1 fb count=9
            0xD8, 0x00, 0x04, 0xFF, // 2-bit vector: small, large | delta 4 | large..
            0xFC, 0x00, 0x00, 0x03, // ..-4 (0xFFFC) | padding count=3
        ],
        packets: [.transportCC(TransportLayerCC(
            senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65534, referenceTime: -1, feedbackPacketCount: 9,
            packets: [.init(sequenceNumber: 65534, receivedDeltaMicros: 1000), .init(sequenceNumber: 65535, receivedDeltaMicros: -1000)]))]),
    PacketsRtcpVector(
        name: "XR with RRTR and DLRR",
        bytes: [
            0x80, 0xCF, 0x00, 0x08, // V=2 P=0 PT=207 len=8
            0x01, 0x02, 0x03, 0x04, // ssrc
            0x04, 0x00, 0x00, 0x02, // BT=4 (RRTR) length=2
            0xDA, 0x8B, 0xD1, 0xFC, // NTP msw
            0xDD, 0xDD, 0xA0, 0x5A, // NTP lsw
            0x05, 0x00, 0x00, 0x03, // BT=5 (DLRR) length=3
            0x11, 0x22, 0x33, 0x44, // ssrc
            0x00, 0x01, 0x02, 0x03, // LRR
            0x00, 0x00, 0x10, 0x00, // DLRR
        ],
        packets: [.extendedReport(ExtendedReport(ssrc: 0x0102_0304, blocks: [
            .receiverReferenceTime(ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A),
            .dlrr([.init(ssrc: 0x1122_3344, lastReceiverReport: 0x0001_0203, delaySinceLastReceiverReport: 0x1000)]),
        ]))]),
    PacketsRtcpVector(
        name: "XR with an unknown block type and an empty DLRR",
        bytes: [
            0x80, 0xCF, 0x00, 0x04, // V=2 P=0 PT=207 len=4
            0x01, 0x02, 0x03, 0x04, // ssrc
            0x06, 0x00, 0x00, 0x01, // BT=6 length=1
            0xAA, 0xBB, 0xCC, 0xDD, // contents
            0x05, 0x00, 0x00, 0x00, // BT=5 (DLRR) length=0
        ],
        packets: [.extendedReport(ExtendedReport(ssrc: 0x0102_0304, blocks: [
            .unknown(type: 6, bytes: [0xAA, 0xBB, 0xCC, 0xDD]), .dlrr([]),
        ]))]),
    PacketsRtcpVector(
        name: "APP is kept as unknown",
        bytes: [
            0x80, 0xCC, 0x00, 0x03, // V=2 P=0 subtype=0 PT=204 len=3
            0x4B, 0xAA, 0xE1, 0xAB, // ssrc
            0x4E, 0x41, 0x4D, 0x45, // "NAME"
            0x41, 0x42, 0x43, 0x44, // "ABCD"
        ],
        packets: [.unknown(packetType: 204, count: 0, body: [0x4B, 0xAA, 0xE1, 0xAB, 0x4E, 0x41, 0x4D, 0x45, 0x41, 0x42, 0x43, 0x44])]),
    PacketsRtcpVector(
        name: "unknown packet with RTCP padding",
        bytes: [
            0xA3, 0xCC, 0x00, 0x02, // V=2 P=1 subtype=3 PT=204 len=2
            0x01, 0x02, 0x03, 0x04, // body..
            0x05, 0x00, 0x00, 0x03, // ..05 | padding count=3
        ],
        packets: [.unknown(packetType: 204, count: 3, body: [1, 2, 3, 4, 5])]),
    PacketsRtcpVector(
        name: "PSFB FMT=15 that is not REMB is unknown",
        bytes: [
            0x8F, 0xCE, 0x00, 0x03, // V=2 P=0 FMT=15 PT=206 len=3
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x41, 0x42, 0x43, 0x44, // "ABCD"
        ],
        packets: [.unknown(packetType: 206, count: 15, body: [0, 0, 0, 1, 0, 0, 0, 0, 0x41, 0x42, 0x43, 0x44])]),
    PacketsRtcpVector(
        name: "real compound: RR, SDES, BYE, PLI, RRR, APP (pion/rtcp packet_test.go)",
        bytes: packetsPionRealCompound,
        packets: [
            .receiverReport(ReceiverReport(ssrc: 0x902F_9E2E, reports: [packetsReportBlockValue])),
            .sourceDescription(.cname(ssrc: 0x902F_9E2E, cname: "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")),
            .goodbye(Goodbye(ssrcs: [0x902F_9E2E])),
            .pli(PictureLossIndication(senderSsrc: 0x902F_9E2E, mediaSsrc: 0x902F_9E2E)),
            .unknown(packetType: 205, count: 5, body: [0x90, 0x2F, 0x9E, 0x2E, 0x90, 0x2F, 0x9E, 0x2E]),
            .unknown(packetType: 204, count: 0, body: [0x4B, 0xAA, 0xE1, 0xAB, 0x4E, 0x41, 0x4D, 0x45, 0x41, 0x42, 0x43, 0x44]),
        ]),
    PacketsRtcpVector(
        name: "SR with profile-specific extension bytes (dropped when written)",
        bytes: [
            0x80, 0xC8, 0x00, 0x07, // V=2 P=0 RC=0 PT=200 len=7
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
            0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05,
            0xEE, 0xEE, 0xEE, 0xEE, // profile-specific extension
        ],
        packets: [.senderReport(SenderReport(ssrc: 1, ntpTimestamp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5))],
        exact: false),
    PacketsRtcpVector(
        name: "SDES text that is not UTF-8 is repaired",
        bytes: [
            0x81, 0xCA, 0x00, 0x02, // V=2 P=0 SC=1 PT=202 len=2
            0x00, 0x00, 0x00, 0x09, // ssrc=9
            0x01, 0x01, 0xFF, 0x00, // CNAME len=1 0xFF (invalid UTF-8) | END
        ],
        packets: [.sourceDescription(.cname(ssrc: 9, cname: "\u{FFFD}"))],
        exact: false),
]

let packetsRtcpErrorVectors: [PacketsRtcpErrorVector] = [
    .init(name: "empty", bytes: [], error: .tooShort),
    .init(name: "2 bytes", bytes: [0x80, 0xC9], error: .tooShort),
    .init(name: "version 1", bytes: [0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1], error: .badVersion),
    .init(name: "version 0", bytes: [0x00, 0xC9, 0x00, 0x01, 0, 0, 0, 1], error: .badVersion),
    .init(name: "length 0xFFFF", bytes: [0x81, 0xC9, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0, 0, 2], error: .badLength),
    .init(name: "length one word past the end", bytes: [0x80, 0xC9, 0x00, 0x02, 0, 0, 0, 1], error: .badLength),
    .init(
        name: "RR claims a report block it does not have",
        bytes: [0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1], error: .badLength),
    .init(name: "RR without its SSRC", bytes: [0x80, 0xC9, 0x00, 0x00], error: .badLength),
    .init(name: "SR header only", bytes: [0x80, 0xC8, 0x00, 0x00], error: .badLength),
    .init(
        name: "SR with 31 report blocks claimed, none present",
        bytes: [0x9F, 0xC8, 0x00, 0x06] + [UInt8](repeating: 0, count: 24), error: .badLength),
    .init(
        name: "SDES item length past the end",
        bytes: [
            0x81, 0xCA, 0x00, 0x02, // V=2 SC=1 PT=202 len=2
            0x00, 0x00, 0x00, 0x01, // ssrc
            0x01, 0x10, 0x61, 0x62, // CNAME len=16 but 2 bytes left
        ], error: .badItem),
    .init(
        name: "SDES chunk without END",
        bytes: [
            0x81, 0xCA, 0x00, 0x02, // V=2 SC=1 PT=202 len=2
            0x00, 0x00, 0x00, 0x01, // ssrc
            0x01, 0x02, 0x61, 0x62, // CNAME len=2 "ab", then nothing
        ], error: .badItem),
    .init(
        name: "SDES item type without a length byte",
        bytes: [
            0x81, 0xCA, 0x00, 0x02, // V=2 SC=1 PT=202 len=2
            0x00, 0x00, 0x00, 0x01, // ssrc
            0x01, 0x01, 0x61, 0x02, // CNAME len=1 "a" | NAME, then no length byte
        ], error: .badItem),
    .init(
        name: "SDES claims 2 chunks, has 1",
        bytes: [0x82, 0xCA, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], error: .badLength),
    .init(name: "BYE claims 3 sources, has 1", bytes: [0x83, 0xCB, 0x00, 0x01, 0, 0, 0, 1], error: .badLength),
    .init(
        name: "BYE reason length past the end",
        bytes: [0x81, 0xCB, 0x00, 0x02, 0, 0, 0, 1, 0x0A, 0x61, 0x62, 0x63], error: .badItem),
    .init(name: "NACK without media SSRC", bytes: [0x81, 0xCD, 0x00, 0x01, 0, 0, 0, 1], error: .badLength),
    .init(name: "PLI without media SSRC", bytes: [0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1], error: .badLength),
    .init(
        name: "REMB claims 2 SSRCs, has 1",
        bytes: [
            0x8F, 0xCE, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 0x52, 0x45, 0x4D, 0x42,
            0x02, 0x1A, 0x20, 0xDF, // num=2
            0x48, 0x74, 0xED, 0x16,
        ], error: .badLength),
    .init(
        name: "padding count 0",
        bytes: [0xA0, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], error: .badPadding),
    .init(
        name: "padding longer than the body",
        bytes: [0xA0, 0xCC, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09], error: .badPadding),
    .init(
        name: "padding on a header-only packet",
        bytes: [0xA0, 0xCC, 0x00, 0x00], error: .badPadding),
    .init(
        name: "two stray bytes after a valid packet",
        bytes: [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1, 0x80, 0xC9], error: .tooShort),
    .init(
        name: "second packet's length lies",
        bytes: [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1, 0x80, 0xC9, 0x00, 0x09, 0, 0, 0, 1], error: .badLength),
    .init(
        name: "second packet has a bad version",
        bytes: [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1, 0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1], error: .badVersion),
    .init(
        name: "transport-cc status count 5 without chunks",
        bytes: [
            0x8F, 0xCD, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2,
            0x00, 0x01, 0x00, 0x05, // base=1 count=5
            0x00, 0x00, 0x01, 0x00, // ref=1 fb=0, then no chunks
        ], error: .badItem),
    .init(
        name: "transport-cc deltas missing (pion example8)",
        bytes: [
            0xAF, 0xCD, 0x00, 0x05, 0xFA, 0x17, 0xFA, 0x17, 0x43, 0x03, 0x2F, 0xA0,
            0x00, 0x99, 0x00, 0x03, // count=3
            0x3D, 0xE8, 0x02, 0x17,
            0x20, 0x03, 0x94, 0x01, // run: small ×3, only one delta byte, padding count=1
        ], error: .badItem),
    .init(
        name: "transport-cc large delta cut by the padding",
        bytes: [
            0xAF, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
            0x00, 0x01, 0x00, 0x01, // count=1
            0x00, 0x00, 0x00, 0x00,
            0x40, 0x01, 0x12, 0x02, // run: large ×1 | 1 delta byte | padding count=2 (eats the 2nd byte)
        ], error: .badItem),
    .init(
        name: "transport-cc reserved status symbol 3",
        bytes: [
            0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
            0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x60, 0x01, 0x00, 0x00, // run: symbol 3 ×1
        ], error: .badItem),
    .init(
        name: "XR block length past the end",
        bytes: [0x80, 0xCF, 0x00, 0x02, 0, 0, 0, 1, 0x04, 0x00, 0x00, 0x02], error: .badItem),
    .init(
        name: "XR RRTR with length 1",
        bytes: [0x80, 0xCF, 0x00, 0x03, 0, 0, 0, 1, 0x04, 0x00, 0x00, 0x01, 0, 0, 0, 0], error: .badItem),
    .init(
        name: "XR DLRR with length 2",
        bytes: [0x80, 0xCF, 0x00, 0x04, 0, 0, 0, 1, 0x05, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0], error: .badItem),
    .init(name: "XR without SSRC", bytes: [0x80, 0xCF, 0x00, 0x00], error: .badLength),
]

@Suite("RTCP packets")
struct PacketsRtcpTests {
    @Test("parses the vector; serialising gives the same bytes", arguments: packetsRtcpVectors)
    func parse(vector: PacketsRtcpVector) throws {
        let packets = try RtcpCompound.parse(packetsBuffer(vector.bytes))
        #expect(packets == vector.packets)
        let written = RtcpCompound.serialize(packets)
        if vector.exact {
            #expect(packetsBytes(written) == vector.bytes)
        }
        // Whatever was dropped or normalised, the written form parses to the same values.
        #expect(try RtcpCompound.parse(written) == vector.packets)
    }

    @Test("malformed input throws the right error", arguments: packetsRtcpErrorVectors)
    func errors(vector: PacketsRtcpErrorVector) {
        #expect(throws: vector.error) { try RtcpCompound.parse(packetsBuffer(vector.bytes)) }
    }

    @Test("every truncation of every vector throws or parses without crashing")
    func truncations() throws {
        for vector in packetsRtcpVectors {
            for length in 0..<vector.bytes.count {
                let bytes = Array(vector.bytes.prefix(length))
                if let packets = try? RtcpCompound.parse(packetsBuffer(bytes)) {
                    #expect(try RtcpCompound.parse(RtcpCompound.serialize(packets)) == packets)
                }
            }
        }
    }

    @Test("serialize(into:) appends after existing bytes; parse honours the reader index")
    func appendAndReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [0xEE, 0xEE])
        let packets: [RtcpPacket] = [
            .receiverReport(ReceiverReport(ssrc: 1)), .pli(PictureLossIndication(senderSsrc: 1, mediaSsrc: 2)),
        ]
        RtcpCompound.serialize(packets, into: &buffer)
        #expect(packetsBytes(buffer) == [
            0xEE, 0xEE,
            0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, // RR
            0x81, 0xCE, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, // PLI
        ])
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try RtcpCompound.parse(buffer) == packets)
    }

    @Test("cumulative loss is clamped to 24 bits signed when written")
    func totalLostClamp() throws {
        let low = RtcpPacket.receiverReport(ReceiverReport(ssrc: 1, reports: [ReceptionReport(ssrc: 2, totalLost: -10_000_000)]))
        let high = RtcpPacket.receiverReport(ReceiverReport(ssrc: 1, reports: [ReceptionReport(ssrc: 2, totalLost: 10_000_000)]))
        #expect(packetsBytes(RtcpCompound.serialize([low]))[12...15] == [0x00, 0x80, 0x00, 0x00])
        #expect(packetsBytes(RtcpCompound.serialize([high]))[12...15] == [0x00, 0x7F, 0xFF, 0xFF])
        guard case .receiverReport(let parsed) = try RtcpCompound.parse(RtcpCompound.serialize([low])).first else {
            Issue.record("not an RR")
            return
        }
        #expect(parsed.reports.first?.totalLost == -8_388_608)
    }

    @Test("SDES: CNAME helper, long text cut on a character boundary")
    func sdesText() throws {
        let sdes = SourceDescription.cname(ssrc: 5, cname: "user@example")
        #expect(sdes.cname(of: 5) == "user@example")
        #expect(sdes.cname(of: 6) == nil)

        let long = String(repeating: "é", count: 200) // 400 UTF-8 bytes
        let written = RtcpCompound.serialize([.sourceDescription(.cname(ssrc: 5, cname: long))])
        guard case .sourceDescription(let parsed) = try RtcpCompound.parse(written).first else {
            Issue.record("not SDES")
            return
        }
        #expect(parsed.cname(of: 5) == String(repeating: "é", count: 127)) // 254 bytes
    }

    @Test("SDES and BYE write at most 31 entries")
    func countLimits() throws {
        let bye = Goodbye(ssrcs: Array(0..<40))
        guard case .goodbye(let parsed) = try RtcpCompound.parse(RtcpCompound.serialize([.goodbye(bye)])).first else {
            Issue.record("not BYE")
            return
        }
        #expect(parsed.ssrcs == Array(0..<31))
    }

    @Test("REMB: exponent/mantissa encoding, and overflow reads as UInt64.max")
    func rembEncoding() throws {
        for bitrate: UInt64 in [0, 1, 0x3FFFF, 0x40000, 8_927_168, 1_000_000_000, 1 << 60] {
            let written = RtcpCompound.serialize([.remb(ReceiverEstimatedMaxBitrate(senderSsrc: 1, bitrate: bitrate, ssrcs: [2]))])
            guard case .remb(let parsed) = try RtcpCompound.parse(written).first else {
                Issue.record("not REMB")
                continue
            }
            let (exponent, _) = ReceiverEstimatedMaxBitrate.encode(bitrate)
            // Rounded down to the 18-bit mantissa.
            #expect(parsed.bitrate <= bitrate)
            #expect(bitrate - parsed.bitrate < (UInt64(1) << exponent))
        }
        // exp=63 mantissa=0x3FFFF (what pion writes for +Inf)
        let overflow: [UInt8] = [
            0x8F, 0xCE, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x52, 0x45, 0x4D, 0x42,
            0x00, 0xFF, 0xFF, 0xFF, // num=0 exp=63 mantissa=0x3FFFF
        ]
        #expect(try RtcpCompound.parse(packetsBuffer(overflow))
            == [.remb(ReceiverEstimatedMaxBitrate(senderSsrc: 0, bitrate: .max, ssrcs: []))])
        // exp=47 with mantissa 1 fits exactly.
        let fits: [UInt8] = [
            0x8F, 0xCE, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x52, 0x45, 0x4D, 0x42,
            0x00, 0xBC, 0x00, 0x01, // exp=47 mantissa=1
        ]
        #expect(try RtcpCompound.parse(packetsBuffer(fits))
            == [.remb(ReceiverEstimatedMaxBitrate(senderSsrc: 0, bitrate: 1 << 47, ssrcs: []))])
    }
}

@Suite("Generic NACK packing")
struct PacketsNackTests {
    @Test("packs into PID/BLP items")
    func pack() {
        let nack = GenericNack(senderSsrc: 1, mediaSsrc: 2, lostSequenceNumbers: [1237, 1234, 1235, 1234, 1300])
        #expect(nack.items == [.init(pid: 1234, blp: 0b101), .init(pid: 1300, blp: 0)])
        #expect(nack.lostSequenceNumbers == [1234, 1235, 1237, 1300])
    }

    @Test("a 17-packet run needs exactly one item; 18 need two")
    func fullBitmask() {
        let seventeen = GenericNack(senderSsrc: 1, mediaSsrc: 2, lostSequenceNumbers: Array(100...116))
        #expect(seventeen.items == [.init(pid: 100, blp: 0xFFFF)])
        let eighteen = GenericNack(senderSsrc: 1, mediaSsrc: 2, lostSequenceNumbers: Array(100...117))
        #expect(eighteen.items == [.init(pid: 100, blp: 0xFFFF), .init(pid: 117, blp: 0)])
    }

    @Test("sorts wrap-aware across 65535 → 0")
    func wrap() {
        let nack = GenericNack(senderSsrc: 1, mediaSsrc: 2, lostSequenceNumbers: [65534, 2, 65535, 0, 20, 65534])
        #expect(nack.items == [.init(pid: 65534, blp: 0b1011), .init(pid: 20, blp: 0)])
        #expect(nack.lostSequenceNumbers == [65534, 65535, 0, 2, 20])
        let written = RtcpCompound.serialize([.nack(nack)])
        #expect(packetsBytes(written) == [
            0x81, 0xCD, 0x00, 0x04, // V=2 P=0 FMT=1 PT=205 len=4
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
            0xFF, 0xFE, 0x00, 0x0B, // PID=65534 BLP: 65535, 0, 2
            0x00, 0x14, 0x00, 0x00, // PID=20
        ])
    }

    @Test("empty list gives no items")
    func empty() {
        #expect(GenericNack(senderSsrc: 1, mediaSsrc: 2, lostSequenceNumbers: []).items.isEmpty)
    }
}
