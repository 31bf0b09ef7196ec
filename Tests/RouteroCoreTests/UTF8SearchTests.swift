import RouteroCore
import Testing

struct UTF8SearchTests {
    @Test(arguments: [
        (#"{"error":{"message":"x"}}"#, #""error""#, true),
        (#"{"choices":[{"delta":{"content":"an error"}}]}"#, #""error""#, false),
        ("héllo \"error\"", #""error""#, true),
        ("\"erro", #""error""#, false),
        ("", "x", false),
        ("abc", "", true),
        ("aab", "ab", true),
    ])
    func findsBytes(_ text: String, _ needle: String, _ found: Bool) {
        #expect(UTF8Search.contains(text, needle) == found)
    }
}
