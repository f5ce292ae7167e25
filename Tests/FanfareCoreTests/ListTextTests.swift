import FanfareCore
import Testing

/// One way to read a typed list, wherever it is typed.
@Suite struct ListTextTests {
    @Test func commasOfEitherWidthTheEnumerationCommaSemicolonsAndLineBreaksSeparate() {
        #expect(ListText.items("a, b，c、d;e；f\ng\r\nh") == ["a", "b", "c", "d", "e", "f", "g", "h"])
    }

    @Test func entriesAreTrimmedButKeepTheirInnerSpaces() {
        #expect(ListText.items("  check in ,  sign me up  ") == ["check in", "sign me up"])
    }

    @Test func emptyEntriesAndRepeatsAreDroppedAndTheOrderKept() {
        #expect(ListText.items("b,,a, ,b,a,c,") == ["b", "a", "c"])
        #expect(ListText.items("").isEmpty && ListText.items(" ,，、; \n").isEmpty)
        #expect(ListText.items("Spring, spring") == ["Spring", "spring"], "only exact repeats are the same entry")
    }

    @Test func tagsAreAlsoSplitOnSpaces() {
        #expect(ListText.items("春季 新品,  #sale\t上新", separatedBy: .punctuationAndSpaces) == ["春季", "新品", "#sale", "上新"])
    }

    @Test func optionsOneALineMayHoldCommas() {
        #expect(ListText.items("Red, with stripes\n\n  Blue \nRed, with stripes", separatedBy: .lines) == ["Red, with stripes", "Blue"])
    }
}
