import FanfareCore
import Testing

@Suite struct QuizTextTests {
    @Test func blocksBecomeQuestionsWithTheMarkedAnswer() {
        let parsed = QuizText.parse("品牌哪一年创立？\n2019\n* 2020\n\n\n总部在哪个城市？\r\n*上海\n北京\n")
        #expect(parsed.problems.isEmpty)
        #expect(
            parsed.questions == [
                QuizQuestion(question: "品牌哪一年创立？", options: ["2019", "2020"], correctOption: 1),
                QuizQuestion(question: "总部在哪个城市？", options: ["上海", "北京"], correctOption: 0),
            ])
        #expect(QuizText.parse(QuizText.text(parsed.questions)).questions == parsed.questions, "the text form reads back the same")
    }

    @Test func aBlockWithoutOneMarkedAnswerAndAnEmptyTextAreNamed() {
        let parsed = QuizText.parse("Which?\nA\nB\n\nAnd?\n*A\n*B")
        #expect(
            parsed.problems.map(\.message) == [
                "question 1 must mark exactly one option as correct with * (it marks 0)",
                "question 2 must mark exactly one option as correct with * (it marks 2)",
            ])
        #expect(parsed.questions.count == 2 && parsed.questions[0].correctOption == -1)
        #expect(QuizText.parse(" \n\n").problems.map(\.field) == ["questions"])
        let settings = ActivitySettings.quiz(QuizSettings(questions: QuizText.parse("Only a question").questions, pointsPerCorrect: 5))
        #expect(settings.problems(now: .now).map(\.field).contains("questions[0].options"), "no options is left to the settings' own check")
    }
}
