using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>A small questionnaire with every kind of question, and a driver that keeps state between messages.</summary>
internal static class TestSurveys
{
    public static readonly DateTimeOffset T0 = new(2025, 10, 6, 9, 0, 0, TimeSpan.FromHours(7));

    /// <summary>
    /// A1, A2, A3 (rating) · GATE (yes/no) · C1, C2 (rating, only if GATE = yes) · OVERALL (rating) ·
    /// IMPROVE (choice E1/E2/E3) · TYPE (optional choice) · NOTE (optional rating) · COMMENT (optional text).
    /// </summary>
    public static Questionnaire Small { get; } = new()
    {
        Code = "test-small",
        Version = 3,
        Title = "Khảo sát thử",
        Method = "test",
        Intro = new LocalizedText("Xin chào Ông/Bà! Đây là khảo sát thử.", "Xin chao Ong/Ba! Day la khao sat thu."),
        Thanks = new LocalizedText("Cảm ơn Ông/Bà đã tham gia khảo sát!"),
        Elements =
        [
            new SurveyElement("E1", "Tiếp cận dịch vụ hành chính công"),
            new SurveyElement("E2", "Thủ tục hành chính"),
            new SurveyElement("E3", "Công chức trực tiếp giải quyết công việc"),
        ],
        Questions =
        [
            Rating("A1", "E1", "Ông/Bà hài lòng thế nào về chỗ ngồi chờ?"),
            Rating("A2", "E1", "Ông/Bà hài lòng thế nào về trang thiết bị?"),
            Rating("A3", "E1", "Ông/Bà hài lòng thế nào về biển hiệu, hướng dẫn?"),
            new Question
            {
                Code = "GATE", Kind = QuestionKind.YesNo, Role = QuestionRole.Gate,
                Text = "Ông/Bà có phản ánh, kiến nghị với cơ quan không?",
            },
            Rating("C1", "E2", "Ông/Bà hài lòng thế nào về việc tiếp nhận phản ánh?") with { AskIf = new AskCondition("GATE", "yes") },
            Rating("C2", "E2", "Ông/Bà hài lòng thế nào về việc xử lý phản ánh?") with { AskIf = new AskCondition("GATE", "yes") },
            new Question
            {
                Code = "OVERALL", Kind = QuestionKind.Rating, Role = QuestionRole.Overall,
                Text = "Nói chung, Ông/Bà hài lòng thế nào?",
            },
            new Question
            {
                Code = "IMPROVE", Kind = QuestionKind.Choice, Role = QuestionRole.Improve,
                Text = "Cơ quan cần cải thiện nội dung nào nhất?",
                Options =
                [
                    new QuestionOption("E1", "Tiếp cận dịch vụ hành chính công", "Tiep can dich vu"),
                    new QuestionOption("E2", "Thủ tục hành chính"),
                    new QuestionOption("E3", "Công chức trực tiếp giải quyết công việc", "Cong chuc"),
                ],
            },
            new Question
            {
                Code = "TYPE", Kind = QuestionKind.Choice, Role = QuestionRole.Profile, Optional = true,
                Text = "Ông/Bà làm thủ tục với tư cách nào?",
                Options = [new QuestionOption("citizen", "Người dân"), new QuestionOption("organization", "Tổ chức")],
            },
            Rating("NOTE", "E3", "Ông/Bà hài lòng thế nào về công chức (không bắt buộc)?") with { Optional = true },
            new Question
            {
                Code = "COMMENT", Kind = QuestionKind.Text, Role = QuestionRole.Comment, Optional = true,
                Text = "Ông/Bà có góp ý gì thêm không?",
            },
        ],
    };

    /// <summary>
    /// "Không áp dụng": FEE (rating, required, allows it) · SEATS (rating, required, does not) · SIGNS (rating, optional,
    /// allows it) · EQUIPMENT (rating, required, allows it) · COMMENT (optional text).
    /// </summary>
    public static Questionnaire NotApplicable { get; } = new()
    {
        Code = "test-na",
        Version = 1,
        Title = "Khảo sát thử",
        Method = "test",
        Intro = new LocalizedText("Xin chào Ông/Bà!"),
        Thanks = new LocalizedText("Cảm ơn Ông/Bà!"),
        Elements = [new SurveyElement("E1", "Tiếp cận dịch vụ"), new SurveyElement("E2", "Thủ tục hành chính")],
        Questions =
        [
            Rating("FEE", "E2", "Ông/Bà hài lòng thế nào về phí, lệ phí?") with { AllowNotApplicable = true },
            Rating("SEATS", "E1", "Ông/Bà hài lòng thế nào về chỗ ngồi chờ?"),
            Rating("SIGNS", "E1", "Ông/Bà hài lòng thế nào về biển hiệu?") with { AllowNotApplicable = true, Optional = true },
            Rating("EQUIPMENT", "E1", "Ông/Bà hài lòng thế nào về trang thiết bị?") with { AllowNotApplicable = true },
            new Question
            {
                Code = "COMMENT", Kind = QuestionKind.Text, Role = QuestionRole.Comment, Optional = true,
                Text = "Ông/Bà có góp ý gì thêm không?",
            },
        ],
    };

    /// <summary>A valid answer for any question, as a citizen would type it.</summary>
    public static string ValidAnswer(Question question) => question.Kind switch
    {
        QuestionKind.Rating => "4",
        QuestionKind.YesNo => "1",
        QuestionKind.Choice => "1",
        _ => "Cán bộ nhiệt tình",
    };

    public static void AssertSmsReplies(EngineResult result)
    {
        foreach (var reply in result.Replies)
        {
            var measure = Gsm7.Measure(reply.Text);
            Assert.True(
                measure is { Encoding: SmsEncoding.Gsm7, Segments: 1 },
                $"SMS reply is {measure.Encoding}, {measure.Segments} segments: {reply.Text}");
            Assert.Empty(reply.Options);
        }
    }

    private static Question Rating(string code, string element, string text) => new()
    {
        Code = code, Kind = QuestionKind.Rating, Role = QuestionRole.Criterion, Element = element, Text = text,
    };
}

/// <summary>One citizen's conversation: keeps the progress and the stored answers as a host would.</summary>
internal sealed class Chat
{
    private readonly Questionnaire _questionnaire;
    private readonly SurveyChannel _channel;
    private readonly EngineOptions? _options;

    public Chat(Questionnaire questionnaire, SurveyChannel channel = SurveyChannel.Sms, EngineOptions? options = null, bool start = true)
    {
        _questionnaire = questionnaire;
        _channel = channel;
        _options = options;
        Progress = SurveyProgress.NotStarted(questionnaire, Clock.GetUtcNow());
        if (start)
        {
            Last = Apply(SurveyEngine.Start(questionnaire, channel, Clock.GetUtcNow()));
        }
    }

    public FakeTimeProvider Clock { get; } = new(TestSurveys.T0);

    public SurveyProgress Progress { get; private set; }

    public EngineResult? Last { get; private set; }

    /// <summary>The answers table: every upsert applied in order.</summary>
    public Dictionary<string, RecordedAnswer> Stored { get; } = [];

    public Question Current => _questionnaire.Questions.Single(q => q.Code == Progress.CurrentQuestion);

    public EngineResult Send(string text, TimeSpan? after = null)
    {
        Clock.Advance(after ?? TimeSpan.FromMinutes(1));
        return Apply(SurveyEngine.Handle(_questionnaire, Progress, text, _channel, Clock.GetUtcNow(), _options));
    }

    public void SendAll(params string[] texts)
    {
        foreach (var text in texts)
        {
            Send(text);
        }
    }

    private EngineResult Apply(EngineResult result)
    {
        Assert.NotEmpty(result.Replies);
        Assert.Equal(result.Answers.Count, result.Answers.Select(a => a.QuestionCode).Distinct().Count());
        if (_channel == SurveyChannel.Sms)
        {
            TestSurveys.AssertSmsReplies(result);
        }

        foreach (var answer in result.Answers)
        {
            Stored[answer.QuestionCode] = answer;
        }

        Assert.Equal(Stored.OrderBy(p => p.Key), result.Progress.Answers.OrderBy(p => p.Key));
        Progress = result.Progress;
        Last = result;
        return result;
    }
}
