import Glibc

/// The process environment as a dictionary (Foundation's `ProcessInfo` is not linked).
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        guard var cursor = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return result }
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            cursor += 1
        }
        return result
    }
}
