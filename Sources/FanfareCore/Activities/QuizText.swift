import Foundation

/// A quiz written as plain text, for a page with one box for it: one block
/// per question, blocks separated by a blank line; a block's first line is
/// the question and each further line an option, the correct one starting
/// with `*`:
///
///     品牌哪一年创立？
///     2019
///     *2020
public enum QuizText {
    /// The questions, and the problems only the text form can have (a
    /// block with no options or no single marked answer). Lengths and
    /// counts are checked with the settings (`ActivitySettings.problems`).
    public static func parse(_ text: String) -> (questions: [QuizQuestion], problems: [FieldIssue]) {
        var blocks: [[String]] = [[]]
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if !(blocks.last ?? []).isEmpty { blocks.append([]) }
            } else {
                blocks[blocks.count - 1].append(line)
            }
        }
        blocks.removeAll { $0.isEmpty }
        guard !blocks.isEmpty else {
            return ([], [FieldIssue(field: "questions", .quizNeedsQuestion)])
        }
        var questions: [QuizQuestion] = []
        var problems: [FieldIssue] = []
        for (index, block) in blocks.enumerated() {
            var options: [String] = []
            var marked: [Int] = []
            for line in block.dropFirst() {
                if line.hasPrefix("*") {
                    marked.append(options.count)
                    options.append(line.dropFirst().trimmingCharacters(in: .whitespaces))
                } else {
                    options.append(line)
                }
            }
            if marked.count != 1 {
                problems.append(FieldIssue(field: "questions", .quizOneCorrect(number: index + 1, marked: marked.count)))
            }
            questions.append(QuizQuestion(question: block[0], options: options, correctOption: marked.first ?? -1))
        }
        return (questions, problems)
    }

    /// The text form of `questions`, for a form shown again.
    public static func text(_ questions: [QuizQuestion]) -> String {
        questions.map { question in
            ([question.question] + question.options.enumerated().map { $0.offset == question.correctOption ? "*" + $0.element : $0.element })
                .joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
