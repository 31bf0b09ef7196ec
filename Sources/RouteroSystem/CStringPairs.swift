/// Reads C arrays of `NAME=value` strings: the process environment and libfcgi's CGI parameters.
public enum CStringPairs {
    /// Copies a NULL-terminated array of `NAME=value` C strings into a dictionary; entries without
    /// `=` are skipped.
    public static func dictionary(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String: String] {
        var out: [String: String] = [:]
        guard var cursor = array else { return out }
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let eq = pair.firstIndex(of: "=") {
                out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            cursor += 1
        }
        return out
    }
}
