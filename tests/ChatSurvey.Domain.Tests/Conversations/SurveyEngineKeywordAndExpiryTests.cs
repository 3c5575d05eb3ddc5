using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>Opt-out, opt-in and help in every state, and expiry after silence.</summary>
public sealed class SurveyEngineKeywordAndExpiryTests
{
    private static readonly Questionnaire Small = TestSurveys.Small;

    public enum State
    {
        NotStarted,
        InProgress,
        InProgressPastExpiry,
        Completed,
        Expired,
    }

    public static TheoryData<State, string, EngineSignal, SurveyChannel> Keywords()
    {
        var data = new TheoryData<State, string, EngineSignal, SurveyChannel>();
        var keywords = new (string Text, EngineSignal Signal)[]
        {
            ("STOP", EngineSignal.OptOut), ("tc", EngineSignal.OptOut), ("Từ chối", EngineSignal.OptOut),
            ("TU CHOI", EngineSignal.OptOut), ("hủy", EngineSignal.OptOut), ("DUNG", EngineSignal.OptOut),
            ("START", EngineSignal.OptIn), ("bd", EngineSignal.OptIn),
            ("HELP", EngineSignal.Help), ("?", EngineSignal.Help), ("hd", EngineSignal.Help), ("Hướng dẫn", EngineSignal.Help),
        };
        foreach (var state in Enum.GetValues<State>())
        {
            foreach (var (text, signal) in keywords)
            {
                foreach (var channel in Enum.GetValues<SurveyChannel>())
                {
                    data.Add(state, text, signal, channel);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keywords))]
    public void Handle_Should_SignalKeywordAndKeepAnswers_When_KeywordArrivesInAnyState(
        State state, string text, EngineSignal signal, SurveyChannel channel)
    {
        var chat = ChatIn(state, channel);
        var before = chat.Progress;

        var result = chat.Send(text, after: TimeSpan.Zero);

        Assert.Equal(signal, result.Signal);
        Assert.Empty(result.Answers);
        Assert.Same(before.Answers, result.Progress.Answers);
        Assert.Equal(before.Status, result.Progress.Status);
        Assert.Equal(before.CurrentQuestion, result.Progress.CurrentQuestion);
        Assert.Equal(before.InvalidAttempts, result.Progress.InvalidAttempts);
        Assert.Equal(before.History, result.Progress.History);
        var expected = signal switch
        {
            EngineSignal.OptOut => "Ông/Bà đã từ chối nhận tin nhắn khảo sát",
            EngineSignal.OptIn => "Ông/Bà đã đăng ký nhận lại tin nhắn khảo sát",
            _ => "Hướng dẫn:",
        };
        var first = result.Replies[0].Text;
        Assert.StartsWith(channel == SurveyChannel.Sms ? VietnameseText.ToAscii(expected) : expected, first, StringComparison.Ordinal);
        if (signal == EngineSignal.OptOut)
        {
            Assert.Same(before, result.Progress); // nothing at all changes
            Assert.Single(result.Replies);
        }
    }

    [Theory]
    [InlineData("HD", EngineSignal.Help)]
    [InlineData("bd", EngineSignal.OptIn)]
    public void Handle_Should_RepeatCurrentQuestion_When_HelpOrOptInArrivesMidSurvey(string text, EngineSignal signal)
    {
        var chat = ChatIn(State.InProgress, SurveyChannel.Sms);

        var result = chat.Send(text);

        Assert.Equal(signal, result.Signal);
        Assert.Equal("Cau 2/11: Ong/Ba hai long the nao ve trang thiet bi?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long)", result.Replies[^1].Text);
        Assert.Equal(chat.Clock.GetUtcNow(), result.Progress.LastActivityAt);
    }

    [Fact]
    public void Handle_Should_OptOut_When_KeywordIsTheAnswerToATextQuestion()
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "2", "4", "1", "0", "0");
        Assert.Equal("COMMENT", chat.Progress.CurrentQuestion);

        var result = chat.Send("STOP");

        Assert.Equal(EngineSignal.OptOut, result.Signal);
        Assert.Empty(result.Answers);
    }

    [Fact]
    public void Handle_Should_ExpireWithoutRecording_When_SilenceExceedsThreeDays()
    {
        var chat = new Chat(Small);
        chat.Send("4");

        var result = chat.Send("5", after: TimeSpan.FromDays(3) + TimeSpan.FromSeconds(1));

        Assert.Equal(EngineSignal.Expired, result.Signal);
        Assert.Equal(SurveyStatus.Expired, result.Progress.Status);
        Assert.Null(result.Progress.CurrentQuestion);
        Assert.Empty(result.Answers);
        Assert.Equal(["Khao sat da het han do qua thoi gian tra loi. Xin cam on Ong/Ba da quan tam."], result.Replies.Select(r => r.Text));
        Assert.Equal(4, result.Progress.Answers["A1"].Rating); // the partial response stays
    }

    [Fact]
    public void Handle_Should_AcceptAnswer_When_SilenceIsExactlyTheExpiry()
    {
        var chat = new Chat(Small);

        var result = chat.Send("4", after: TimeSpan.FromDays(3));

        Assert.Equal([RecordedAnswer.ForRating("A1", 4)], result.Answers);
    }

    [Fact]
    public void Handle_Should_CountExpiryFromLastMessage_When_CitizenAnswersSlowly()
    {
        var chat = new Chat(Small);
        chat.Send("4", after: TimeSpan.FromDays(2));
        chat.Send("4", after: TimeSpan.FromDays(2));

        var result = chat.Send("4", after: TimeSpan.FromDays(2));

        Assert.Equal(SurveyStatus.InProgress, result.Progress.Status);
        Assert.Equal(3, result.Progress.Answers.Count);
    }

    [Fact]
    public void Handle_Should_UseConfiguredExpiry_When_OptionsGiven()
    {
        var chat = new Chat(Small, options: new EngineOptions { Expiry = TimeSpan.FromHours(1) });

        var result = chat.Send("4", after: TimeSpan.FromMinutes(61));

        Assert.Equal(EngineSignal.Expired, result.Signal);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("lai")]
    public void Handle_Should_ReplyExpiredWithoutSignal_When_MessageComesAfterExpiry(string text)
    {
        var chat = ChatIn(State.Expired, SurveyChannel.Web);
        var expired = chat.Progress;

        var result = chat.Send(text);

        Assert.Same(expired, result.Progress);
        Assert.Equal(EngineSignal.None, result.Signal);
        Assert.Empty(result.Answers);
        Assert.Equal(["Khảo sát đã hết hạn do quá thời gian trả lời. Xin cảm ơn Ông/Bà đã quan tâm."], result.Replies.Select(r => r.Text));
    }

    private static Chat ChatIn(State state, SurveyChannel channel)
    {
        var chat = new Chat(Small, channel, start: state != State.NotStarted);
        switch (state)
        {
            case State.InProgress:
                chat.Send("4");
                break;
            case State.InProgressPastExpiry:
                chat.Send("4");
                chat.Clock.Advance(TimeSpan.FromDays(4));
                break;
            case State.Completed:
                chat.SendAll("4 4 4", "2", "4", "1", "0", "0", "0");
                Assert.Equal(SurveyStatus.Completed, chat.Progress.Status);
                break;
            case State.Expired:
                chat.Send("4");
                chat.Send("4", after: TimeSpan.FromDays(5));
                Assert.Equal(SurveyStatus.Expired, chat.Progress.Status);
                break;
        }

        return chat;
    }
}
