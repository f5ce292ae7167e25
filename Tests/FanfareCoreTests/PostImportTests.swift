import FanfareCore
import Foundation
import Testing

@Suite struct CSVReaderTests {
    @Test func quotesCommasNewlinesAndDoubledQuotes() throws {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,,3\n"
        #expect(try CSVReader.parse(text) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["1", "", "3"]])
        let records = try CSVReader.records(text)
        #expect(records.map(\.line) == [1, 2, 4], "the quoted line break makes record 2 span two lines")
    }

    @Test func lineEndingsAndBOM() throws {
        #expect(try CSVReader.parse("\u{FEFF}名,值\r\n甲,1\r\n") == [["名", "值"], ["甲", "1"]])
        #expect(try CSVReader.parse("a\rb\nc") == [["a"], ["b"], ["c"]])
        #expect(try CSVReader.parse("\"x\r\ny\"") == [["x\r\ny"]], "a CRLF inside quotes is kept")
        #expect(try CSVReader.records("a\r\n\"b\r\nc\"\r\nd").map(\.line) == [1, 2, 4])
    }

    @Test func emptyFieldsAndTrailingLines() throws {
        #expect(try CSVReader.parse("") == [])
        #expect(try CSVReader.parse("\n\n") == [])
        #expect(try CSVReader.parse("a,\n\n\n") == [["a", ""]])
        #expect(try CSVReader.parse(",") == [["", ""]])
        #expect(try CSVReader.parse("\"\"") == [[""]])
        #expect(try CSVReader.parse("a\n\nb") == [["a"], [""], ["b"]], "a blank line inside the file is kept for the caller")
    }

    @Test func strayQuotesAreKeptAsWritten() throws {
        #expect(try CSVReader.parse("5\" screen,\"ok\"x") == [["5\" screen", "okx"]])
    }

    @Test func anUnclosedQuoteNamesItsLine() {
        #expect(throws: ValidationErrors.self) { try CSVReader.parse("a,b\nc,\"d\ne,f\n") }
        do {
            _ = try CSVReader.parse("a,b\nc,\"d\ne,f\n")
        } catch {
            #expect(error.issues.first?.message.hasPrefix("line 2:") == true)
        }
    }
}

@Suite struct PostImportTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let now = ISO8601DateFormatter().date(from: "2025-03-01T00:00:00Z")!

    func read(_ csv: String, zone: TimeZone? = nil) -> PostImportResult {
        PostImport.rows(from: csv, timeZone: zone ?? shanghai, now: now)
    }

    @Test func aFullRowIsRead() throws {
        let csv = #"""
            \#u{FEFF}Title,TEXT,accounts,scheduled_at,pillar,format,pool,topic,tags,campaign
            春季上新,"春季新品今天开售，快来看看！
            第二行 ""引号""",@brand_weibo;brand-mastodon,2025-03-10 09:30,value add,Short-Video,reserve,新品, #春季 ;#新品#;春季,Spring 2025
            ,Plain post,"a,b, a",2025-03-10T09:30:00Z,,,,,,

            """#
        let result = read(csv)
        #expect(result.errors == [])
        #expect(result.isAcceptable)
        #expect(result.rows.count == 2)
        let first = try #require(result.rows.first)
        #expect(first.line == 2)
        #expect(first.title == "春季上新")
        #expect(first.text == "春季新品今天开售，快来看看！\n第二行 \"引号\"")
        #expect(first.accounts == ["@brand_weibo", "brand-mastodon"])
        #expect(first.scheduledAt == (try Date("2025-03-10T01:30:00Z", strategy: .iso8601)), "09:30 in Shanghai")
        #expect(first.pillar == .valueAdd && first.format == .shortVideo && first.pool == .reserve)
        #expect(first.topic == "新品")
        #expect(first.tags == ["春季", "新品"])
        #expect(first.campaign == "Spring 2025")
        let second = result.rows[1]
        #expect(second.line == 4, "the quoted line break moves the next row down")
        #expect(second.title == nil && second.pillar == nil && second.tags == [] && second.campaign == nil)
        #expect(second.accounts == ["a", "b"])
        #expect(second.scheduledAt == (try Date("2025-03-10T09:30:00Z", strategy: .iso8601)))
    }

    @Test func onlyTextAndAccountsAreRequired() throws {
        let result = read("text,accounts\n只有正文,weibo\n")
        #expect(result.errors == [])
        #expect(result.rows == [ImportedPost(line: 2, text: "只有正文", accounts: ["weibo"])])
    }

    @Test func timesAreReadInTheWorkspaceZoneOrWithTheirOffset() throws {
        func time(_ raw: String, _ zone: TimeZone) throws -> Date { try PostImport.parseTime(raw, timeZone: zone) }
        let utc = { (iso: String) in ISO8601DateFormatter().date(from: iso)! }
        let newYork = TimeZone(identifier: "America/New_York")!
        #expect(try time("2025-03-10 09:30", shanghai) == utc("2025-03-10T01:30:00Z"))
        #expect(try time("2025-03-10T09:30", shanghai) == utc("2025-03-10T01:30:00Z"))
        #expect(try time("2025-03-10 09:30:15", shanghai) == utc("2025-03-10T01:30:15Z"))
        #expect(try time("2025-03-10T09:30:00+08:00", newYork) == utc("2025-03-10T01:30:00Z"), "an offset wins over the zone")
        #expect(try time("2025-03-10T09:30:00-0500", shanghai) == utc("2025-03-10T14:30:00Z"))
        #expect(try time("2025-03-10T09:30:00.250Z", shanghai) == utc("2025-03-10T09:30:00Z").addingTimeInterval(0.25))
        // New York on summer time from 9 March: 09:30 is UTC−4.
        #expect(try time("2025-03-10 09:30", newYork) == utc("2025-03-10T13:30:00Z"))
        // 02:30 on 9 March does not exist in New York.
        #expect(throws: ValidationErrors.self) { try time("2025-03-09 02:30", newYork) }
        for bad in [
            "2025-02-30 10:00", "2025-03-10 24:00", "2025-03-10 9:30", "10/03/2025 09:30", "2025-03-10", "tomorrow", "2025-03-10T09:30:00+25:00",
        ] {
            #expect(throws: ValidationErrors.self, "\(bad)") { try time(bad, shanghai) }
        }
    }

    @Test func badCellsAreListedWithLineAndColumn() {
        let csv = """
            text,accounts,scheduled_at,pillar,format,pool
            ,weibo,,,,
            ok,,2025-02-28 10:00,promo,,
            ok,weibo,next week,basic,vlog,hot
            fine,weibo,2025-03-10 10:00,core,live,hit
            """
        let result = read(csv)
        #expect(result.rows.count == 1, "the good row is read but the server imports nothing")
        #expect(!result.isAcceptable)
        #expect(
            result.errors.map { "\($0.line) \($0.field)" } == [
                "2 text", "3 accounts", "3 scheduled_at", "3 pillar", "4 scheduled_at", "4 format", "4 pool",
            ])
        let pillar = result.errors.first { $0.field == "pillar" }
        #expect(pillar?.message.contains("basic, core, value_add") == true)
        #expect(result.errors.first { $0.line == 3 && $0.field == "scheduled_at" }?.message.contains("not in the future") == true)
        #expect(result.errors.first { $0.line == 4 && $0.field == "scheduled_at" }?.message.contains("2025-03-10 09:30") == true)
    }

    @Test func headerProblemsStopTheImport() {
        let unknown = read("text,accounts,Body,when\nhi,weibo,x,y\n")
        #expect(unknown.rows == [])
        #expect(unknown.errors.count == 1)
        #expect(unknown.errors.first?.line == 1 && unknown.errors.first?.field == "header")
        #expect(unknown.errors.first?.message.contains("\"Body\", \"when\"") == true)

        let duplicate = read("text,Text,accounts\nhi,ho,weibo\n")
        #expect(duplicate.errors.map(\.message) == ["names the column text twice; keep one"])

        // A file whose first line is data, not a header.
        let noHeader = read("春季新品今天开售,weibo\n")
        #expect(noHeader.errors.map(\.field) == ["header", "header"])
        #expect(noHeader.errors.last?.message == "lacks the required column(s): text, accounts")

        #expect(read("").errors.map(\.field) == ["file"])
        #expect(read("\u{FEFF}\r\n").errors.map(\.field) == ["file"])
        #expect(read("text,accounts\n\n").errors.map(\.message) == ["has no rows after the header"])
    }

    @Test func anUnclosedQuoteIsReportedAtItsLine() {
        let result = read("text,accounts\nok,weibo\n\"broken,weibo\nmore,weibo\n")
        #expect(result.rows == [])
        #expect(result.errors.map(\.line) == [3])
        #expect(result.errors.first?.field == "file")
    }

    @Test func rowsWithTooManyCellsAreRefused() {
        let result = read("text,accounts\nhello, world,weibo\n")
        #expect(result.errors.map { "\($0.line) \($0.field)" } == ["2 file"])
        #expect(result.errors.first?.message.contains("double quotes") == true)
        // Fewer cells than columns are empty cells.
        #expect(read("text,accounts,title\nhi,weibo\n").rows.first?.title == nil)
    }

    @Test func limitsOnRowsAndFieldLength() {
        let tooLong = read("text,accounts\n" + String(repeating: "长", count: 10_001) + ",weibo\n")
        #expect(tooLong.errors.map(\.field) == ["text"])
        #expect(tooLong.errors.first?.message.contains("10,001") == true)
        #expect(read("text,accounts\n" + String(repeating: "长", count: 10_000) + ",weibo\n").errors == [])

        let rows = (1...1_000).map { "post \($0),weibo" }.joined(separator: "\n")
        #expect(read("text,accounts\n" + rows + "\n\n\n").rows.count == 1_000)
        let tooMany = read("text,accounts\n" + rows + "\none more,weibo\n")
        #expect(tooMany.rows == [])
        #expect(tooMany.errors.map(\.line) == [1_002])
        #expect(tooMany.errors.first?.message.contains("at most 1,000") == true)
    }

    @Test func blankRowsInsideTheFileAreSkipped() {
        let result = read("text,accounts\nfirst,weibo\n,\n\nsecond,weibo\n")
        #expect(result.errors == [])
        #expect(result.rows.map(\.line) == [2, 5])
    }
}
