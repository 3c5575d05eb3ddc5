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
        { Good with { ResultDate = "01/03/2025" }, "resultDate", "must be a real date written YYYY-MM-DD" },
        { Good with { ResultDate = "2025-02-29" }, "resultDate", "must be a real date written YYYY-MM-DD" },
        { Good with { ResultDate = "1999-12-31" }, "resultDate", "must not be before 2000-01-01" },
        { Good with { ResultDate = "2025-03-12" }, "resultDate", "must not be in the future (today is 2025-03-11 in Hai Phong)" },
        { Good with { ApplicantName = new string('á', 201) }, "applicantName", "must be at most 200 characters" },
        { Good with { DossierCode = "HS\u00001" }, "dossierCode", "must not contain control characters" },
        { Good with { ApplicantName = "Lê\u0000Văn" }, "applicantName", "must not contain control characters" },
        { Good with { ApplicantName = "Lê \uD800Văn" }, "applicantName", "must not contain control characters" },
        { Good with { ApplicantType = "tổ chức" }, "applicantType", "must be 'citizen' or 'organization'" },
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
}
