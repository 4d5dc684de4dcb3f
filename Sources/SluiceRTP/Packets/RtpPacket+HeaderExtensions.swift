public import NIOCore

/// RTP header extensions in the RFC 8285 one-byte (profile 0xBEDE) and two-byte (0x100X) forms.
///
/// ```
/// one-byte:  0xBE 0xDE | length (words) | ID(4) L(4) data[L+1] ... 0 (pad) ...
/// two-byte:  0x10 0x0X | length (words) | ID(8) L(8) data[L] ...    0 (pad) ...
/// ```
/// In both forms a 0 byte where an element header is expected is padding. In the one-byte form an
/// ID of 15 stops processing (RFC 8285 §4.2).
extension RtpPacket {
    static let oneByteProfile: UInt16 = 0xBEDE
    static let twoByteProfile: UInt16 = 0x1000

    /// The "defined by profile" field of the extension header; nil when X=0.
    public var extensionProfile: UInt16? {
        guard hasExtension else { return nil }
        return uint16(at: extensionHeaderOffset)
    }

    /// Offset of the 4-byte extension header (profile, length) when X=1.
    var extensionHeaderOffset: Int { Self.fixedHeaderLength + csrcCount * 4 }

    enum ExtensionForm { case oneByte, twoByte }

    /// The RFC 8285 form of this packet's extension block, if it has one in either form.
    var extensionForm: ExtensionForm? {
        guard let profile = extensionProfile else { return nil }
        if profile == Self.oneByteProfile { return .oneByte }
        if profile & 0xFFF0 == Self.twoByteProfile { return .twoByte }
        return nil
    }

    /// One element of the extension block. Offsets are relative to the packet start.
    struct ExtensionElement {
        var id: UInt8
        var headerOffset: Int
        var dataOffset: Int
        var length: Int
        var end: Int { dataOffset + length }
    }

    /// The first element at or after `offset` (skipping padding), or nil at the end of the block,
    /// at a one-byte ID 15, or at an element that would run past the block.
    func extensionElement(from offset: Int, form: ExtensionForm) -> ExtensionElement? {
        let end = headerLength
        var position = offset
        while position < end {
            let first = byte(at: position)
            if first == 0 {
                position += 1
                continue
            }
            switch form {
            case .oneByte:
                let id = first >> 4
                if id == 0 { // an ID of 0 is padding whatever its length bits
                    position += 1
                    continue
                }
                if id == 15 { return nil }
                let length = Int(first & 0x0F) + 1
                guard position + 1 + length <= end else { return nil }
                return ExtensionElement(id: id, headerOffset: position, dataOffset: position + 1, length: length)
            case .twoByte:
                guard position + 2 <= end else { return nil }
                let length = Int(byte(at: position + 1))
                guard position + 2 + length <= end else { return nil }
                return ExtensionElement(id: first, headerOffset: position, dataOffset: position + 2, length: length)
            }
        }
        return nil
    }

    /// Offset of the first element header (just past the 4-byte extension header).
    var extensionElementsStart: Int { extensionHeaderOffset + 4 }

    func findExtensionElement(id: UInt8) -> ExtensionElement? {
        guard id != 0, let form = extensionForm else { return nil }
        var position = extensionElementsStart
        while let element = extensionElement(from: position, form: form) {
            if element.id == id { return element }
            position = element.end
        }
        return nil
    }

    /// All elements, in order (allocates; for the rebuild paths).
    func allExtensionElements() -> [(id: UInt8, value: [UInt8])] {
        guard let form = extensionForm else { return [] }
        var result: [(id: UInt8, value: [UInt8])] = []
        var position = extensionElementsStart
        while let element = extensionElement(from: position, form: form) {
            let value = buffer.getBytes(at: buffer.readerIndex + element.dataOffset, length: element.length) ?? []
            result.append((element.id, value))
            position = element.end
        }
        return result
    }

    /// The value of the extension element with local identifier `id`, in either RFC 8285 form;
    /// nil when absent. The view's indices are `buffer` indices.
    public func extensionValue(id: UInt8) -> ByteBufferView? {
        guard let element = findExtensionElement(id: id) else { return nil }
        return buffer.viewBytes(at: buffer.readerIndex + element.dataOffset, length: element.length)
    }

    /// The extension elements as (id, value) pairs, in wire order (allocates).
    public var extensions: [(id: UInt8, value: [UInt8])] { allExtensionElements() }

    /// Rewrites extension ids in place; ids mapped to nil (or 0) are blanked with padding bytes
    /// (element removed). In the one-byte form, if some id maps to a value above 14 the block is
    /// rebuilt in the two-byte form instead. `map` should be a pure function: it may be called more
    /// than once per element. Blocks with another profile are left alone.
    public mutating func remapExtensionIds(_ map: (UInt8) -> UInt8?) {
        guard let form = extensionForm else { return }
        if form == .oneByte {
            var position = extensionElementsStart
            var fits = true
            while let element = extensionElement(from: position, form: form) {
                if let newId = map(element.id), newId > 14 {
                    fits = false
                    break
                }
                position = element.end
            }
            if !fits {
                var elements: [(id: UInt8, value: [UInt8])] = []
                for element in allExtensionElements() {
                    if let newId = map(element.id), newId != 0 { elements.append((newId, element.value)) }
                }
                replaceExtensionBlock(with: elements)
                return
            }
        }
        var position = extensionElementsStart
        while let element = extensionElement(from: position, form: form) {
            position = element.end
            if let newId = map(element.id), newId != 0 {
                switch form {
                case .oneByte: setByte(newId << 4 | UInt8(element.length - 1), at: element.headerOffset)
                case .twoByte: setByte(newId, at: element.headerOffset)
                }
            } else {
                buffer.setRepeatingByte(0, count: element.end - element.headerOffset,
                                        at: buffer.readerIndex + element.headerOffset)
            }
        }
    }

    /// Sets an extension value: in place when the element exists with the same length, else rebuilds
    /// the header (one-byte form when every element has id <= 14 and 1...16 bytes, else two-byte).
    /// Ignored when `id` is 0 or `value` is longer than 255 bytes (not representable). A block with
    /// a profile other than RFC 8285's is replaced.
    public mutating func setExtension(id: UInt8, value: some Collection<UInt8>) {
        guard id != 0, value.count <= 255 else { return }
        if let element = findExtensionElement(id: id), element.length == value.count {
            buffer.setBytes(value, at: buffer.readerIndex + element.dataOffset)
            return
        }
        var elements = allExtensionElements()
        let bytes = Array(value)
        if let index = elements.firstIndex(where: { $0.id == id }) {
            elements.removeAll { $0.id == id }
            elements.insert((id, bytes), at: index)
        } else {
            elements.append((id, bytes))
        }
        replaceExtensionBlock(with: elements)
    }

    /// Removes the element with local identifier `id` (rebuilds the header); no-op when absent.
    public mutating func removeExtension(id: UInt8) {
        guard findExtensionElement(id: id) != nil else { return }
        replaceExtensionBlock(with: allExtensionElements().filter { $0.id != id })
    }

    /// Removes the whole extension block and clears X.
    public mutating func removeAllExtensions() {
        guard hasExtension else { return }
        replaceExtensionBlock(with: [])
    }

    /// Rebuilds the packet with a new extension block (none when `elements` is empty), keeping the
    /// fixed header, CSRCs, payload and padding.
    mutating func replaceExtensionBlock(with elements: [(id: UInt8, value: [UInt8])]) {
        let csrcEnd = extensionHeaderOffset
        let tailLength = buffer.readableBytes - headerLength
        var out = ByteBuffer()
        out.reserveCapacity(buffer.readableBytes + 8 + elements.reduce(0) { $0 + 2 + $1.value.count })
        if let fixed = buffer.getSlice(at: buffer.readerIndex, length: csrcEnd) {
            out.writeImmutableBuffer(fixed)
        }
        let hasBlock = Self.writeExtensionBlock(elements, into: &out)
        let newHeaderLength = out.writerIndex
        if let tail = buffer.getSlice(at: buffer.readerIndex + headerLength, length: tailLength) {
            out.writeImmutableBuffer(tail)
        }
        let first = out.getInteger(at: 0, as: UInt8.self) ?? 0x80
        out.setInteger(hasBlock ? first | 0x10 : first & ~0x10, at: 0)
        self = RtpPacket(validated: out, headerLength: newHeaderLength, paddingLength: paddingLength)
    }

    /// Whether an element can be written in the one-byte form.
    static func fitsOneByteForm(id: UInt8, count: Int) -> Bool {
        (1...14).contains(id) && (1...16).contains(count)
    }

    /// Writes an RFC 8285 extension block (4-byte header + elements + zero padding to a word) for the
    /// valid elements (id 1...255, at most 255 bytes); writes nothing and returns false if none is valid.
    @discardableResult
    static func writeExtensionBlock(_ elements: [(id: UInt8, value: [UInt8])], into out: inout ByteBuffer) -> Bool {
        let valid = elements.filter { $0.id != 0 && $0.value.count <= 255 }
        guard !valid.isEmpty else { return false }
        let oneByte = valid.allSatisfy { fitsOneByteForm(id: $0.id, count: $0.value.count) }
        let start = out.writerIndex
        out.writeInteger(oneByte ? oneByteProfile : twoByteProfile)
        out.writeInteger(UInt16(0)) // length, patched below
        for element in valid {
            if oneByte {
                out.writeInteger(element.id << 4 | UInt8(element.value.count - 1))
            } else {
                out.writeInteger(element.id)
                out.writeInteger(UInt8(element.value.count))
            }
            out.writeBytes(element.value)
        }
        let body = out.writerIndex - start - 4
        let padded = (body + 3) / 4 * 4
        out.writeRepeatingByte(0, count: padded - body)
        out.setInteger(UInt16(truncatingIfNeeded: padded / 4), at: start + 2)
        return true
    }
}
