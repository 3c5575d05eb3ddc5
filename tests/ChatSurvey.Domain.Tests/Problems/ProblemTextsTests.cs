using System.Reflection;
using ChatSurvey.Domain.Problems;

namespace ChatSurvey.Domain.Tests.Problems;

/// <summary>The one table of problem wordings: every code is worded in both languages, with the arguments it takes.</summary>
public sealed class ProblemTextsTests
{
    private static readonly IReadOnlyList<string> DeclaredCodes =
    [
        .. typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!),
    ];

    public static TheoryData<string> Codes => [.. DeclaredCodes];

    [Fact]
    public void Table_Should_WordExactlyTheDeclaredCodes_When_CodesAreAddedOrRemoved()
    {
        Assert.Equal(DeclaredCodes.Count, DeclaredCodes.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(DeclaredCodes.Order(StringComparer.Ordinal), ProblemTexts.Codes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Wordings_Should_QuoteEveryArgumentAndDifferByLanguage_When_GivenTheCodesArguments(string code)
    {
        var arity = ProblemTexts.Arity(code)!.Value;
        IReadOnlyList<string> args = [.. Enumerable.Range(0, arity).Select(i => $"«arg{i}»")];

        var english = ProblemTexts.English(code, args);
        var vietnamese = ProblemTexts.Vietnamese(code, args);

        Assert.False(string.IsNullOrWhiteSpace(english));
        Assert.False(string.IsNullOrWhiteSpace(vietnamese));
        Assert.NotEqual(english, vietnamese);
        // An argument no wording quotes would be a sign of a mismatch between the callers and the table.
        Assert.All(args, arg => Assert.True(english.Contains(arg, StringComparison.Ordinal) || vietnamese.Contains(arg, StringComparison.Ordinal), $"{code}: {arg}"));
    }

    [Fact]
    public void Of_Should_FormatArgumentsInvariantly_When_GivenNumbersDatesTimesAndLists()
    {
        Assert.Equal(["1600"], Problem.Of("body", ProblemCodes.SimulatorBody, 1600).Args);
        Assert.Equal(["2025-03-31"], Problem.Of("resultsTo", ProblemCodes.WavePeriodReversed, new DateOnly(2025, 3, 31)).Args);
        Assert.Equal(["08:00"], Problem.Of("sendWindow.end", ProblemCodes.WaveWindowReversed, new TimeOnly(8, 0)).Args);
        Assert.Equal(["city, district"], Problem.Of("kind", ProblemCodes.CatalogueKindUnknown, new List<string> { "city", "district" }).Args);
    }

    [Fact]
    public void Wordings_Should_FormatForTheirReaders_When_ArgumentsAreDatesOrNumbers()
    {
        var period = Problem.Of("resultsTo", ProblemCodes.WavePeriodReversed, new DateOnly(2025, 3, 31));
        Assert.Equal("Must not be before resultsFrom (2025-03-31).", period.English);
        Assert.Equal("Ngày kết thúc không được trước ngày bắt đầu (31/03/2025).", period.Vietnamese);

        var body = Problem.Of("body", ProblemCodes.SimulatorBody, 1600);
        Assert.Equal("Required, at most 1600 characters.", body.English);
        Assert.Equal("Nhập nội dung tin nhắn, tối đa 1.600 ký tự.", body.Vietnamese);
    }

    [Fact]
    public void Of_Should_Throw_When_CodeIsUnknownOrTakesOtherArguments()
    {
        Assert.Throws<ArgumentException>(() => Problem.Of("name", "no.such_code"));
        Assert.Throws<ArgumentException>(() => Problem.Of("name", ProblemCodes.Required, "extra"));
        Assert.Throws<ArgumentException>(() => Problem.Of("code", ProblemCodes.CatalogueCodeTaken));
        Assert.False(ProblemTexts.IsKnown(ProblemCodes.CatalogueCodeTaken, 0));
        Assert.True(ProblemTexts.IsKnown(ProblemCodes.CatalogueCodeTaken, 1));
    }

    [Fact]
    public void ToErrors_Should_GroupEnglishMessagesByField_When_FieldsRepeat()
    {
        var errors = Problem.ToErrors(
        [
            Problem.Of("name", ProblemCodes.Required),
            Problem.Of("code", ProblemCodes.CatalogueCodeTaken, "HP"),
            Problem.Of("name", ProblemCodes.CatalogueNameFormat, 300),
        ]);

        Assert.Equal(["name", "code"], errors.Keys);
        Assert.Equal(["Required.", "Must be at most 300 characters, without control characters."], errors["name"]);
        Assert.Equal(["The code 'HP' is already used."], errors["code"]);
    }

    [Fact]
    public void Equals_Should_CompareArgumentsByValue_When_ProblemsAreBuiltApart()
    {
        Assert.Equal(Problem.Of("code", ProblemCodes.CatalogueCodeTaken, "HP"), new Problem("code", ProblemCodes.CatalogueCodeTaken, ["HP"]));
        Assert.NotEqual(Problem.Of("code", ProblemCodes.CatalogueCodeTaken, "HP"), Problem.Of("code", ProblemCodes.CatalogueCodeTaken, "HQ"));
    }
}
