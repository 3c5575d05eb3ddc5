using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Questionnaires;

public sealed class QuestionPromptTests
{
    private static readonly Questionnaire Full = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full);
    private static readonly Questionnaire Short = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms);

    private static Question In(Questionnaire q, string code) => q.Questions.Single(x => x.Code == code);

    [Fact]
    public void Sms_Should_NumberTextAndScaleHint_When_RatingRequired()
    {
        var prompt = QuestionPrompt.Sms(Short, In(Short, "E1.S"), 1, 7);

        Assert.Equal(
            "Cau 1/7: Ong/Ba hai long the nao ve noi lam thu tuc, cho ngoi cho, trang thiet bi?\n"
            + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long)",
            prompt);
    }

    [Fact]
    public void Sms_Should_OfferSkip_When_RatingOptional()
    {
        var prompt = QuestionPrompt.Sms(Short, In(Short, "E5.S"), 5, 7);

        Assert.StartsWith("Cau 5/7: Neu co phan anh, kien nghi:", prompt, StringComparison.Ordinal);
        Assert.EndsWith("\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 de bo qua", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void Sms_Should_TransliterateText_When_NoOverride()
    {
        var prompt = QuestionPrompt.Sms(Full, In(Full, "E2.C2"), 6, 29);

        Assert.Equal(
            "Cau 6/29: Ong/Ba hai long the nao ve viec cong chuc yeu cau nop ho so dung quy dinh?\n"
            + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long)",
            prompt);
    }

    [Fact]
    public void Sms_Should_HintOneYesTwoNo_When_YesNo()
    {
        var prompt = QuestionPrompt.Sms(Full, In(Full, "FEEDBACK"), 18, 29);

        Assert.Equal("Cau 18/29: Khi giai quyet thu tuc nay, Ong/Ba co phan anh, kien nghi voi co quan khong?\nTra loi 1 Co, 2 Khong", prompt);
    }

    [Fact]
    public void Sms_Should_NumberShortOptionLabels_When_Choice()
    {
        Assert.Equal(
            "Cau 24/29: Theo Ong/Ba, co quan can cai thien noi dung nao nhat?\n"
            + "Tra loi 1 Tiep can, 2 Thu tuc, 3 Cong chuc, 4 Ket qua, 5 Phan anh",
            QuestionPrompt.Sms(Full, In(Full, "IMPROVE"), 24, 29));
        Assert.Equal(
            "Cau 28/29: Gioi tinh cua Ong/Ba?\nTra loi 1 Nam, 2 Nu, 0 de bo qua",
            QuestionPrompt.Sms(Full, In(Full, "PROFILE.GENDER"), 28, 29));
    }

    [Fact]
    public void Sms_Should_OnlyOfferSkip_When_OptionalText()
    {
        Assert.Equal(
            "Cau 7/7: Ong/Ba co gop y gi them cho co quan khong? Xin nhan ngan gon.\nTra loi 0 de bo qua",
            QuestionPrompt.Sms(Short, In(Short, "COMMENT"), 7, 7));
    }

    [Fact]
    public void Sms_Should_SayZeroMeansNotApplicable_When_ShippedCriterionAllowsIt()
    {
        var full = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 2);
        var old = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 1);

        Assert.Equal(
            "Cau 7/29: Ong/Ba hai long the nao ve viec yeu cau nop phi, le phi dung quy dinh?\n"
            + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 neu khong ap dung",
            QuestionPrompt.Sms(full, In(full, "E2.C3"), 7, 29));
        Assert.Equal(
            "Cau 7/29: Ong/Ba hai long the nao ve viec cong chuc yeu cau nop phi, le phi dung quy dinh?\n"
            + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long)",
            QuestionPrompt.Sms(old, In(old, "E2.C3"), 7, 29));
    }

    [Fact]
    public void Sms_Should_OfferTheWordsBesideSkip_When_OptionalQuestionAllowsNotApplicable()
    {
        var question = In(Short, "E5.S") with { AllowNotApplicable = true };

        Assert.EndsWith(
            "\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 de bo qua, KAD neu khong ap dung",
            QuestionPrompt.Sms(Short, question, 5, 7),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Web_Should_OfferNotApplicableBeforeSkip_When_QuestionAllowsIt()
    {
        var full = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 2);
        var required = QuestionPrompt.Web(full, In(full, "E1.C2"), 2, 29);
        var optional = QuestionPrompt.Web(Short, In(Short, "E5.S") with { AllowNotApplicable = true }, 5, 7);
        var old = QuestionPrompt.Web(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 1), In(full, "E1.C2") with { AllowNotApplicable = false }, 2, 29);

        Assert.Equal(new PromptOption("Không áp dụng", "Không áp dụng"), required.NotApplicable);
        Assert.Null(required.Skip);
        Assert.Equal(["1", "2", "3", "4", "5", "Không áp dụng"], required.Buttons.Select(b => b.Value));
        Assert.Equal(["1", "2", "3", "4", "5", "Không áp dụng", "0"], optional.Buttons.Select(b => b.Value));
        Assert.Equal(["Không áp dụng", "Bỏ qua"], optional.Buttons.TakeLast(2).Select(b => b.Label));
        Assert.Null(old.NotApplicable);
        Assert.Equal(["1", "2", "3", "4", "5"], old.Buttons.Select(b => b.Value));
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(8, 7)]
    public void Sms_Should_Throw_When_NumberingImpossible(int number, int total)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => QuestionPrompt.Sms(Short, Short.Questions[0], number, total));
    }

    [Fact]
    public void Web_Should_OfferTheFiveScaleButtons_When_Rating()
    {
        var prompt = QuestionPrompt.Web(Full, In(Full, "E1.C1"), 1, 29);

        Assert.Equal(
            "Câu 1/29 · Tiếp cận dịch vụ hành chính công\n"
            + "Ông/Bà hài lòng thế nào về biển hiệu, hướng dẫn tại nơi làm thủ tục: rõ ràng, dễ tìm, dễ thấy?",
            prompt.Text);
        Assert.Equal(
            [
                new PromptOption("1", "1 · Rất không hài lòng"),
                new PromptOption("2", "2 · Không hài lòng"),
                new PromptOption("3", "3 · Bình thường"),
                new PromptOption("4", "4 · Hài lòng"),
                new PromptOption("5", "5 · Rất hài lòng"),
            ],
            prompt.Options);
        Assert.Null(prompt.Skip);
    }

    [Fact]
    public void Web_Should_OfferCoAndKhong_When_YesNo()
    {
        var prompt = QuestionPrompt.Web(Full, In(Full, "FEEDBACK"), 18, 29);

        Assert.Equal("Câu 18/29\nKhi giải quyết thủ tục này, Ông/Bà có phản ánh, kiến nghị với cơ quan không?", prompt.Text);
        Assert.Equal([new PromptOption("yes", "Có"), new PromptOption("no", "Không")], prompt.Options);
    }

    [Fact]
    public void Web_Should_OfferOptionsAndSkip_When_OptionalChoice()
    {
        var prompt = QuestionPrompt.Web(Full, In(Full, "PROFILE.SUBMIT"), 29, 29);

        Assert.Equal(
            [
                new PromptOption("in-person", "Trực tiếp tại Bộ phận Một cửa"),
                new PromptOption("online", "Trực tuyến qua Cổng dịch vụ công"),
                new PromptOption("post", "Qua dịch vụ bưu chính công ích"),
            ],
            prompt.Options);
        Assert.Equal(new PromptOption(QuestionPrompt.SkipValue, "Bỏ qua"), prompt.Skip);
    }

    [Fact]
    public void Web_Should_OfferNoOptions_When_Text()
    {
        var prompt = QuestionPrompt.Web(Short, In(Short, "COMMENT"), 7, 7);

        Assert.Empty(prompt.Options);
        Assert.Equal("0", prompt.Skip?.Value);
        Assert.EndsWith("Ông/Bà có góp ý gì thêm cho cơ quan không? Xin nhắn ngắn gọn.", prompt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SmsReplies_Should_MapDigitsToStoredValues_When_Asked()
    {
        Assert.Equal(
            [new SmsReplyOption("1", "yes", "Co"), new SmsReplyOption("2", "no", "Khong")],
            QuestionPrompt.SmsReplies(In(Full, "FEEDBACK")));
        Assert.Equal(
            ["1:E1", "2:E2", "3:E3", "4:E4", "5:E5"],
            QuestionPrompt.SmsReplies(In(Full, "IMPROVE")).Select(r => $"{r.Key}:{r.Value}"));
        Assert.Equal(
            ["1:1:Rat khong hai long", "2:2:Khong hai long", "3:3:Binh thuong", "4:4:Hai long", "5:5:Rat hai long"],
            QuestionPrompt.SmsReplies(In(Full, "OVERALL")).Select(r => $"{r.Key}:{r.Value}:{r.Label}"));
        Assert.Empty(QuestionPrompt.SmsReplies(In(Full, "COMMENT")));
    }

    [Fact]
    public void RatingScale_Should_ListFiveLevels_When_WebAndSms()
    {
        Assert.Equal(["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"], RatingScale.WebLabels);
        Assert.Equal(["Rat khong hai long", "Khong hai long", "Binh thuong", "Hai long", "Rat hai long"], RatingScale.SmsLabels);
        Assert.All(RatingScale.Levels, l => Assert.Equal(Domain.Sms.VietnameseText.ToAscii(l.Web), l.Sms));
        Assert.Equal("4 · Hài lòng", RatingScale.WebOptionLabel(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => RatingScale.Level(6));
        Assert.False(RatingScale.IsValid(0));
    }
}
