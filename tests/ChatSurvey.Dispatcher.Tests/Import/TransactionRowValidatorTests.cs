using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class TransactionRowValidatorTests
{
    private static readonly TransactionRowValidator Validator = new(
        new Dictionary<string, long> { ["HP-STP"] = 1 },
        new Dictionary<string, long> { ["DEMO-DKKS"] = 7 },
        VietnamTime.Today(ImportTestData.Clock));

    private static readonly TransactionRow Good = new("HS-1", "HP-STP", "DEMO-DKKS", "0912 345 678", "2025-03-01");

    public static TheoryData<TransactionRow, string, string> BadRows => new()
    {
        { Good with { DossierCode = null }, "dossierCode", "is required" },
        { Good with { DossierCode = "   " }, "dossierCode", "is required" },
        { Good with { DossierCode = new string('X', 65) }, "dossierCode", "must be at most 64 characters" },
        { Good with { AgencyCode = "" }, "agencyCode", "is required" },
        { Good with { AgencyCode = "hp-stp" }, "agencyCode", "unknown agency code 'hp-stp'" },
        { Good with { ProcedureCode = null }, "procedureCode", "is required" },
        { Good with { ProcedureCode = "DEMO-XYZ" }, "procedureCode", "unknown procedure code 'DEMO-XYZ'" },
        { Good with { Phone = "" }, "phone", "is required" },
        { Good with { Phone = "0912 345" }, "phone", "is not a valid phone number" },
        { Good with { ResultDate = null }, "resultDate", "is required" },
        { Good with { ResultDate = "2025/03/01" }, "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { ResultDate = "31/02/2025" }, "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { ResultDate = "20250230120000" }, "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { ResultDate = "12/03/2025" }, "resultDate", "must not be in the future (today is 2025-03-11 in Hai Phong)" },
        { Good with { ResultDate = "2025-02-29" }, "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { ResultDate = "1999-12-31" }, "resultDate", "must not be before 2000-01-01" },
        { Good with { ResultDate = "2025-03-12" }, "resultDate", "must not be in the future (today is 2025-03-11 in Hai Phong)" },
        { Good with { ApplicantName = new string('á', 201) }, "applicantName", "must be at most 200 characters" },
        { Good with { DossierCode = "HS\u00001" }, "dossierCode", "must not contain control characters" },
        { Good with { ApplicantName = "Lê\u0000Văn" }, "applicantName", "must not contain control characters" },
        { Good with { ApplicantName = "Lê \uD800Văn" }, "applicantName", "must not contain control characters" },
        { Good with { ApplicantType = "3" }, "applicantType", "must be 'citizen' (1) or 'organization' (2)" },
        { Good with { ReceivedOn = "hôm qua" }, "receivedOn", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { ReceivedOn = "12/03/2025" }, "receivedOn", "must not be in the future (today is 2025-03-11 in Hai Phong)" },
        { Good with { DueOn = "31/04/2025" }, "dueOn", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)" },
        { Good with { DueOn = "01/01/1999" }, "dueOn", "must not be before 2000-01-01" },
        { Good with { DossierStatus = new string('x', 101) }, "dossierStatus", "must be at most 100 characters" },
        { Good with { ProcedureCode = "1.000123.000.00.00.H31", ProcedureName = "Cấp phiếu  lý lịch tư pháp" }, "procedureCode",
            "unknown procedure code '1.000123.000.00.00.H31' (Cấp phiếu lý lịch tư pháp): an administrator adds it to the catalogue" },
        // The first broken rule in column order is the row's reason.
        { new TransactionRow("", "?", "?", "?", "?"), "dossierCode", "is required" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void TryValidate_Should_RejectWithFieldAndReason_When_RowBreaksARule(TransactionRow row, string field, string reason)
    {
        Assert.False(Validator.TryValidate(new ImportRow(7, row), out _, out var rejected));
        Assert.Equal((7, field, reason), (rejected!.Row, rejected.Field, rejected.Reason));
        // The reason is the wording of the row's code, which the pages show in Vietnamese.
        Assert.Equal(reason, rejected.Problem!.English);
        Assert.NotEqual(reason, rejected.Problem.Vietnamese);
    }

    [Fact]
    public void TryValidate_Should_ResolveCodesAndNormalise_When_RowIsGood()
    {
        var row = new TransactionRow(" HS-1 ", "HP-STP", "DEMO-DKKS", "+84 91 234 5678", "2025-03-11", "  Vũ Thị Ngọc Ánh ", "ORGANIZATION");

        Assert.True(Validator.TryValidate(new ImportRow(2, row), out var valid, out var rejected));

        Assert.Null(rejected);
        Assert.Equal(
            new ValidTransaction(2, 1, 7, "HS-1", "+84912345678", new DateOnly(2025, 3, 11), "Vũ Thị Ngọc Ánh", "organization"),
            valid);
    }

    [Fact]
    public void TryValidate_Should_DefaultToCitizenWithoutName_When_OptionalFieldsAreEmpty()
    {
        Assert.True(Validator.TryValidate(new ImportRow(2, Good with { ApplicantName = " ", ApplicantType = "" }), out var valid, out _));
        Assert.Equal((null, "citizen"), (valid.ApplicantName, valid.ApplicantType));
    }

    [Fact]
    public void TryValidate_Should_JoinNameLines_When_CellHasLineBreaks()
    {
        Assert.True(Validator.TryValidate(new ImportRow(2, Good with { ApplicantName = " Hoàng\r\nThị  Lan\t" }), out var valid, out _));
        Assert.Equal("Hoàng Thị Lan", valid.ApplicantName);
    }

    [Theory]
    [InlineData("31/03/2024", "2024-03-31", null)]
    [InlineData("1/3/2025", "2025-03-01", null)]
    [InlineData("2025-03-01", "2025-03-01", null)]
    [InlineData("01/03/2025 14:05", "2025-03-01", "2025-03-01T07:05:00Z")]
    [InlineData("2025-03-01T14:05:30", "2025-03-01", "2025-03-01T07:05:30Z")]
    [InlineData("20250301140530", "2025-03-01", "2025-03-01T07:05:30Z")]
    // An instant with its offset is read as the Vietnam date of that instant: 20:00 UTC is 03:00 the next day.
    [InlineData("2025-03-01T20:00:00Z", "2025-03-02", "2025-03-01T20:00:00Z")]
    public void TryValidate_Should_ReadVietnamDates_When_ResultDateIsInAnyKnownForm(string text, string date, string? instant)
    {
        Assert.True(Validator.TryValidate(new ImportRow(2, Good with { ResultDate = text }), out var valid, out var rejected), rejected?.Reason);
        Assert.Equal(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), valid.ResultDate);
        Assert.Equal(instant is null ? null : DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), valid.ResultAt);
    }

    [Theory]
    [InlineData("1", "citizen")]
    [InlineData("2", "organization")]
    [InlineData("Công dân", "citizen")]
    [InlineData("ca nhan", "citizen")]
    [InlineData("Tổ chức", "organization")]
    [InlineData("DOANH NGHIỆP", "organization")]
    [InlineData("Organization", "organization")]
    public void TryValidate_Should_ReadApplicantType_When_CellUsesThePortalCodeOrVietnameseWords(string text, string type)
    {
        Assert.True(Validator.TryValidate(new ImportRow(2, Good with { ApplicantType = text }), out var valid, out _));
        Assert.Equal(type, valid.ApplicantType);
    }

    [Fact]
    public void TryValidate_Should_KeepReceiptAppointmentAndStatus_When_RowGivesThem()
    {
        var row = Good with { ReceivedOn = "03/02/2025", DueOn = "20250320170000", DossierStatus = " Đã trả  kết quả " };

        Assert.True(Validator.TryValidate(new ImportRow(2, row), out var valid, out _));

        // An appointment may lie in the future; only its day is kept.
        Assert.Equal((new DateOnly(2025, 2, 3), new DateOnly(2025, 3, 20), "Đã trả kết quả"), (valid.ReceivedOn, valid.DueOn, valid.DossierStatus));
    }

    [Fact]
    public void TryValidate_Should_AllowNoResultAndRefuseRetiredAgencies_When_RulesAreTheIntegrations()
    {
        var integration = new TransactionRowValidator(
            new Dictionary<string, long> { ["HP-STP"] = 1, ["H.LE-CHAN"] = 2 },
            new Dictionary<string, long> { ["DEMO-DKKS"] = 7 },
            VietnamTime.Today(ImportTestData.Clock), RowRules.Integration, new HashSet<long> { 2 });

        Assert.True(integration.TryValidate(new ImportRow(0, Good with { ResultDate = null }), out var valid, out _));
        Assert.Equal((null, null), (valid.ResultDate, valid.ResultAt));
        Assert.False(integration.TryValidate(new ImportRow(1, Good with { AgencyCode = "H.LE-CHAN" }), out _, out var rejected));
        Assert.Equal(("agencyCode", "agency 'H.LE-CHAN' is retired"), (rejected!.Field, rejected.Reason));
        // A file may still name a retired agency (its history), but must give a result date.
        Assert.False(Validator.TryValidate(new ImportRow(2, Good with { ResultDate = " " }), out _, out rejected));
        Assert.Equal(("resultDate", "is required"), (rejected!.Field, rejected.Reason));
    }
}
