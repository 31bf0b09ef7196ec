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

struct JSONShapeTests {
    @Test func wholeObjectsPassAndBrokenOnesDoNot() {
        #expect(JSONShape.isWholeObject(#"{"a":[1,{"b":"}{]\"x"}],"c":null}"#))
        #expect(JSONShape.isWholeObject("  {}\n"))
        #expect(!JSONShape.isWholeObject(#"{"a":"#))
        #expect(!JSONShape.isWholeObject(#"{"a":"b}"#))
        #expect(!JSONShape.isWholeObject("not json"))
        #expect(!JSONShape.isWholeObject("{} {}"))
        #expect(!JSONShape.isWholeObject("[1]"))
        #expect(!JSONShape.isWholeObject(""))
        #expect(!JSONShape.isWholeObject("{\"a\":\"line\nbreak\"}"))
    }

    @Test func everyPrefixOfAChunkIsRejected() {
        let chunk = #"{"id":"c","choices":[{"index":0,"delta":{"content":"a \"quoted\" {brace}"},"finish_reason":null}]}"#
        let chars = Array(chunk)
        for cut in 0..<chars.count { #expect(!JSONShape.isWholeObject(String(chars[..<cut]))) }
        #expect(JSONShape.isWholeObject(chunk))
    }

    @Test func byteSearchFindsEveryOccurrence() {
        let bytes = Array("abcabc".utf8)
        #expect(UTF8Search.firstIndex(of: Array("bc".utf8), in: bytes) == 1)
        #expect(UTF8Search.firstIndex(of: Array("bc".utf8), in: bytes, from: 2) == 4)
        #expect(UTF8Search.firstIndex(of: Array("cd".utf8), in: bytes) == nil)
        #expect(UTF8Search.firstIndex(of: Array("bc".utf8), in: bytes, from: 99) == nil)
        #expect(UTF8Search.firstIndex(of: Array("abcabc".utf8), in: Array("abc".utf8)) == nil)
        #expect(UTF8Search.firstIndex(of: [], in: bytes, from: 3) == 3)
    }
}
