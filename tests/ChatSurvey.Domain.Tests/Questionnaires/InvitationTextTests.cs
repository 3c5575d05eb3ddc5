using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Invitations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Questionnaires;

public sealed class InvitationTextTests(ITestOutputHelper output)
{
    private const string Link = "https://khaosat.haiphong.gov.vn/s/AB12CD34";

    // An invitation code is 10 characters (InvitationCodes.New).
    private const string RealLink = "https://khaosat.haiphong.gov.vn/s/AB23CD45EF";

    private static string FirstSmsQuestion()
    {
        var q = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms);
        return QuestionPrompt.Sms(q, q.Questions[0], 1, q.Questions.Count);
    }

    [Fact]
    public void Render_Should_FitTwoGsm7SegmentsWithTheProcedure_When_LongestSeedNamesAndFirstQuestion()
    {
        // The agency whose SMS label is longest in the 2025 catalogue (the public administration centre, 53 characters)
        // and the longest demo procedure label, with a link of the real shape (10-character code).
        var agency = DemoCatalogue.Agencies().MaxBy(a => InvitationText.AgencyLabel(a.Name).Length)!;
        var procedure = DemoCatalogue.Procedures().MaxBy(p => p.ShortName.Length)!;
        var question = FirstSmsQuestion();

        var text = InvitationText.Render(new InvitationTextInput(agency.Name, procedure.ShortName, RealLink, question));
        var measure = Gsm7.Measure(text);

        output.WriteLine($"{agency.Name} / {procedure.ShortName}: {measure.Units} septets, {measure.Segments} segments");
        output.WriteLine(text);
        Assert.Equal("HP-TTPVHCC", agency.Code);
        Assert.Equal(SmsEncoding.Gsm7, measure.Encoding);
        Assert.Equal(2, measure.Segments);
        Assert.InRange(measure.Units, Gsm7.SingleSegmentSeptets + 1, 2 * Gsm7.MultiSegmentSeptets);
        Assert.True(System.Text.Ascii.IsValid(text));
        // The full label does not leave room for the procedure: the abbreviated one does, and the procedure stays.
        Assert.StartsWith($"TT Phuc vu HCC TP Hai Phong xin y kien Ong/Ba ve thu tuc {procedure.ShortName}.\n", text, StringComparison.Ordinal);
        Assert.Contains("\n" + question + "\n", text, StringComparison.Ordinal);
        Assert.Contains(RealLink, text, StringComparison.Ordinal);
        Assert.EndsWith("\nSoan TC de tu choi", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Should_KeepEveryPartWithinTwoSegments_When_AnySeedAgencyAndProcedure()
    {
        var question = FirstSmsQuestion();
        foreach (var agency in DemoCatalogue.Agencies())
        {
            foreach (var procedure in DemoCatalogue.Procedures())
            {
                foreach (var first in new[] { question, null })
                {
                    var text = InvitationText.Render(new InvitationTextInput(agency.Name, procedure.ShortName, RealLink, first));
                    var measure = Gsm7.Measure(text);
                    Assert.True(measure.Encoding == SmsEncoding.Gsm7 && measure.Segments <= 2, $"{measure}: {text}");
                    // Every seeded agency is named (in full or abbreviated) together with every demo procedure.
                    var named = text.StartsWith($"{InvitationText.AgencyLabel(agency.Name)} xin y kien Ong/Ba ve thu tuc {procedure.ShortName}.", StringComparison.Ordinal)
                        || text.StartsWith($"{InvitationText.ShortAgencyLabel(agency.Name)} xin y kien Ong/Ba ve thu tuc {procedure.ShortName}.", StringComparison.Ordinal);
                    Assert.True(named, text);
                }
            }
        }
    }

    [Fact]
    public void Render_Should_CarryLinkAndOptOut_When_LinkOnly()
    {
        var text = InvitationText.Render(new InvitationTextInput("Sở Tư pháp", "Phieu ly lich tu phap", Link, null));

        output.WriteLine(text);
        Assert.Equal($"So Tu phap xin y kien Ong/Ba ve thu tuc Phieu ly lich tu phap. Moi danh gia tai {Link}\nSoan TC de tu choi", text);
        Assert.Equal(1, Gsm7.Measure(text).Segments);
    }

    [Fact]
    public void Render_Should_UseTheGivenKeyword_When_OptOutKeywordSet()
    {
        var text = InvitationText.Render(new InvitationTextInput("Sở Y tế", "Chung chi hanh nghe y", Link, null, "TU CHOI"));

        Assert.EndsWith("\nSoan TU CHOI de tu choi", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ủy ban nhân dân thành phố Hải Phòng", "UBND TP Hai Phong")]
    [InlineData("Uỷ ban nhân dân quận Hồng Bàng", "UBND quan Hong Bang")]
    [InlineData("Sở Lao động - Thương binh và Xã hội", "So Lao dong - Thuong binh va Xa hoi")]
    [InlineData("  Sở   Nội vụ ", "So Noi vu")]
    public void AgencyLabel_Should_TransliterateAndAbbreviate_When_VietnameseName(string name, string label)
    {
        Assert.Equal(label, InvitationText.AgencyLabel(name));
    }

    [Theory]
    [InlineData("Trung tâm Phục vụ hành chính công thành phố Hải Phòng", "TT Phuc vu HCC TP Hai Phong")]
    [InlineData("Văn phòng Ủy ban nhân dân thành phố", "Van phong UBND TP")]
    [InlineData("Thanh tra thành phố", "Thanh tra TP")]
    [InlineData("Ủy ban nhân dân phường Lê Thanh Nghị", "UBND phuong Le Thanh Nghi")]
    public void ShortAgencyLabel_Should_AbbreviateAdministrativeWords_When_VietnameseName(string name, string label)
    {
        Assert.Equal(label, InvitationText.ShortAgencyLabel(name));
    }

    [Fact]
    public void Render_Should_KeepTheFullLabel_When_ItFits()
    {
        var text = InvitationText.Render(new InvitationTextInput(
            "Trung tâm Phục vụ hành chính công thành phố Hải Phòng", "Dang ky khai sinh", RealLink, null));

        Assert.StartsWith("Trung tam Phuc vu hanh chinh cong thanh pho Hai Phong xin y kien", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Should_ShortenNamesNotLinkOrQuestion_When_TooLongForTwoSegments()
    {
        const string agency = "Ban Quản lý các Khu công nghiệp, Khu chế xuất và Khu kinh tế ven biển của thành phố Hải Phòng mở rộng";
        var question = FirstSmsQuestion();

        var text = InvitationText.Render(new InvitationTextInput(agency, "Thay doi dang ky doanh nghiep co von dau tu", Link, question));

        output.WriteLine(text);
        Assert.True(Gsm7.Measure(text).Segments <= 2, text);
        Assert.StartsWith("Ban Quan ly", text, StringComparison.Ordinal);
        Assert.Contains(" ve thu tuc da lam.\n", text, StringComparison.Ordinal);
        Assert.Contains(question, text, StringComparison.Ordinal);
        Assert.Contains(Link, text, StringComparison.Ordinal);
        Assert.EndsWith("Soan TC de tu choi", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://khaosat.haiphong.gov.vn/s/ĐÂY", "TC", null)]
    [InlineData("https://x/s/a b", "TC", null)]
    [InlineData("", "TC", null)]
    [InlineData(Link, " ", null)]
    [InlineData(Link, "TC", "Câu 1/7: Hài lòng?")]
    public void Render_Should_Refuse_When_PartsAreNotSendable(string link, string keyword, string? question)
    {
        Assert.Throws<ArgumentException>(() =>
            InvitationText.Render(new InvitationTextInput("Sở Y tế", "Chung chi hanh nghe y", link, question, keyword)));
    }
}
