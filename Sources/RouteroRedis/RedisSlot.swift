/// Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its `{hash tag}`, modulo 16384.
///
/// The hash tag rule is Redis's own: if the key has a `{` followed later by a `}` with at least
/// one byte between them, only the bytes between the first `{` and the first `}` after it are
/// hashed. So `{user1000}.following` and `{user1000}.followers` share a slot, while `{}x` and
/// `x{}` hash the whole key.
public enum RedisSlot {
    public static let count = 16384

    /// The slot `key` belongs to.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        let bytes = Array(key)
        return Int(crc16(hashedPart(bytes)) % UInt16(count))
    }

    /// The slot of a text key.
    public static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    /// The part of `key` that is hashed (the tag when there is a non-empty one).
    static func hashedPart(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1 else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT as Redis Cluster uses it (polynomial 0x1021, initial value 0, no reflection):
    /// "123456789" gives 0x31C3.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
