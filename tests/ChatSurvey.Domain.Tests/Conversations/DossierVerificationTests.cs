using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>The dossier check of invitation-free chats, step by step: ask the code, ask the digits, look up, settle.</summary>
public sealed class DossierVerificationTests
{
    private static readonly DossierMatch Match = new(DossierMatchKind.Matched, WaveId: 7, TransactionId: 70, QuestionnaireId: 3);

    private static VerificationState AwaitingDigits() =>
        DossierVerification.Handle(DossierVerification.Begin().State, "000.00.18.H23-250301-0001").State;

    [Fact]
    public void Begin_Should_AskForTheDossierCodeWithSkipButton_When_NothingAskedYet()
    {
        var result = DossierVerification.Handle(null, "");

        Assert.Equal(VerificationStep.AskCode, result.State.Step);
        var reply = Assert.Single(result.Replies);
        Assert.Contains("Mã hồ sơ (in trên giấy hẹn trả kết quả)", reply.Text, StringComparison.Ordinal);
        Assert.Equal("Bỏ qua", Assert.Single(reply.Options).Label);
        Assert.Null(result.LookUp);
    }

    [Fact]
    public void Code_Should_ThenAskForLastFourDigits_When_Given()
    {
        var result = DossierVerification.Handle(DossierVerification.Begin().State, "  000.00.18.H23-250301-0001 ");

        Assert.Equal(VerificationStep.AskDigits, result.State.Step);
        Assert.Equal("000.00.18.H23-250301-0001", result.State.Code);
        Assert.Contains("4 số cuối", Assert.Single(result.Replies).Text, StringComparison.Ordinal);
        Assert.Null(result.LookUp);
    }

    [Theory]
    [InlineData("5678", "5678")]
    [InlineData(" 56 78 ", "5678")]
    [InlineData("0912345678", "5678")]
    [InlineData("+84 912 345 678", "5678")]
    public void Digits_Should_AskTheHostToLookUp_When_FourDigitsOrAWholePhoneGiven(string text, string digits)
    {
        var result = DossierVerification.Handle(AwaitingDigits(), text);

        Assert.Equal(new DossierQuery("000.00.18.H23-250301-0001", digits), result.LookUp);
        Assert.Empty(result.Replies);
        Assert.Equal(VerificationStep.AskDigits, result.State.Step);
    }

    [Theory]
    [InlineData("567")]
    [InlineData("56789")]
    [InlineData("abcd")]
    [InlineData("")]
    public void Digits_Should_BeAskedAgainWithoutCostingATry_When_NotFourDigits(string text)
    {
        var state = AwaitingDigits();

        var result = DossierVerification.Handle(state, text);

        Assert.Null(result.LookUp);
        Assert.Same(state, result.State);
        Assert.Contains("4 chữ số", Assert.Single(result.Replies).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("Bỏ qua")]
    [InlineData("bo qua")]
    public void Skip_Should_GoOnOpen_When_ChosenAtEitherQuestion(string text)
    {
        foreach (var state in new[] { DossierVerification.Begin().State, AwaitingDigits() })
        {
            var result = DossierVerification.Handle(state, text);

            Assert.Equal(VerificationStep.Open, result.State.Step);
            Assert.True(result.State.StartsSurvey);
            Assert.Null(result.LookUp);
            Assert.Contains("không tính vào kết quả chính thức", Assert.Single(result.Replies).Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Match_Should_VerifyWithTheWaveTransactionAndQuestionnaire_When_Found()
    {
        var result = DossierVerification.Resolve(AwaitingDigits(), Match);

        Assert.Equal(VerificationStep.Verified, result.State.Step);
        Assert.True(result.State.StartsSurvey);
        Assert.Equal((7L, 70L, 3L), (result.State.WaveId!.Value, result.State.TransactionId!.Value, result.State.QuestionnaireId!.Value));
        Assert.Null(result.State.Code);
    }

    [Fact]
    public void NoMatch_Should_AskAgainOnceThenGoOnOpen_When_TwoTriesFail()
    {
        var first = DossierVerification.Resolve(AwaitingDigits(), DossierMatch.NoMatch);
        Assert.Equal(VerificationStep.AskCode, first.State.Step);
        Assert.Equal(1, first.State.FailedTries);
        Assert.Contains("chưa khớp", Assert.Single(first.Replies).Text, StringComparison.Ordinal);

        var again = DossierVerification.Handle(DossierVerification.Handle(first.State, "HS-2").State, "1234");
        Assert.Equal(new DossierQuery("HS-2", "1234"), again.LookUp);
        var second = DossierVerification.Resolve(again.State, DossierMatch.NoMatch);

        Assert.Equal(VerificationStep.Open, second.State.Step);
        Assert.Equal(2, second.State.FailedTries);
        var text = Assert.Single(second.Replies).Text;
        // Never which of the two was wrong.
        Assert.DoesNotContain("số điện thoại", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Mã hồ sơ không", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DossierMatchKind.AlreadyAnswered, VerificationStep.AlreadyAnswered, "chỉ được đánh giá một lần")]
    [InlineData(DossierMatchKind.Invited, VerificationStep.Invited, "đường dẫn trong tin nhắn mời")]
    public void Refusal_Should_EndTheCheckAndBeSaidAgain_When_DossierAnsweredOrInvited(DossierMatchKind kind, VerificationStep step, string text)
    {
        var refused = DossierVerification.Resolve(AwaitingDigits(), new DossierMatch(kind, 7, 70, 3));

        Assert.Equal(step, refused.State.Step);
        Assert.True(refused.State.IsSettled);
        Assert.False(refused.State.StartsSurvey);
        Assert.Contains(text, Assert.Single(refused.Replies).Text, StringComparison.Ordinal);

        var later = DossierVerification.Handle(refused.State, "5");
        Assert.Same(refused.State, later.State);
        Assert.Null(later.LookUp);
        Assert.Contains(text, Assert.Single(later.Replies).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Should_Throw_When_NoLookUpWasAskedFor()
    {
        Assert.Throws<InvalidOperationException>(() => DossierVerification.Resolve(DossierVerification.Begin().State, Match));
    }

    [Fact]
    public void State_Should_RoundTripThroughJson_When_Stored()
    {
        var verified = DossierVerification.Resolve(AwaitingDigits(), Match).State;

        Assert.Equal(verified, VerificationState.FromJson(verified.ToJson()));
        Assert.Equal(AwaitingDigits(), VerificationState.FromJson(AwaitingDigits().ToJson()));
        Assert.Contains("\"step\":\"verified\"", verified.ToJson(), StringComparison.Ordinal);
        Assert.Throws<System.Text.Json.JsonException>(() => VerificationState.FromJson("""{"schemaVersion":2,"step":"open"}"""));
    }
}
