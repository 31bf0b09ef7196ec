/// Reason phrases for the `Status:` CGI header.
///
/// nginx copies the reason phrase into the status line; a bare `Status: 200` yields
/// `HTTP/1.1 200` with no phrase, which some clients log as odd (STACK.md §2).
public enum HTTPStatus {
    /// The standard reason phrase for `code`, or "Status" for unknown codes.
    public static func reason(_ code: Int) -> String {
        switch code {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 508: "Loop Detected"
        default: "Status"
        }
    }
}
