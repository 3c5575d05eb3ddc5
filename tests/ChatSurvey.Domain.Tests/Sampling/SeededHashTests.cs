using ChatSurvey.Domain.Sampling;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Domain.Tests.Sampling;

/// <summary>The seeded keys of the draws: PostgreSQL and .NET compute the same bytes, and a key reads as a uniform in [0, 1).</summary>
public sealed class SeededHashTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData(SeededHash.Pick, 7, "A1", "HS-001")]
    [InlineData(SeededHash.Decide, -42, "UBND-Lê-Chân", "HS/2026/Đ-01")]
    [InlineData(SeededHash.Rank, 2026, "+84912345678")]
    public async Task Key_Should_EqualTheDatabasesKey_When_SameLabelSeedAndParts(string label, int seed, params string[] parts)
    {
        var sql = "SELECT " + SeededHash.Sql(label, ["$1", .. parts.Select((_, i) => $"${i + 2}")]);
        var fromDatabase = await db.DataSource.ScalarAsync<byte[]>(
            sql, [seed.ToString(System.Globalization.CultureInfo.InvariantCulture), .. parts], TestContext.Current.CancellationToken);

        Assert.Equal(fromDatabase, SeededHash.Key(label, seed, parts));
        Assert.Equal(8, fromDatabase.Length);
    }

    [Fact]
    public void Uniform_Should_StayInZeroToOne_When_KeyIsExtreme()
    {
        Assert.Equal(0, SeededHash.Uniform(new byte[8]));
        var top = SeededHash.Uniform(Enumerable.Repeat((byte)0xFF, 8).ToArray());
        Assert.True(top < 1);
        Assert.Equal(1 - Math.Pow(2, -53), top);
        Assert.Equal(0.5, SeededHash.Uniform([0x80, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact]
    public void DecisionDraw_Should_DependOnSeedAndDossierOnly_When_Called()
    {
        Assert.Equal(SeededHash.DecisionDraw(11, "A1", "HS-1"), SeededHash.DecisionDraw(11, "A1", "HS-1"));
        Assert.NotEqual(SeededHash.DecisionDraw(11, "A1", "HS-1"), SeededHash.DecisionDraw(12, "A1", "HS-1"));
        Assert.NotEqual(SeededHash.DecisionDraw(11, "A1", "HS-1"), SeededHash.DecisionDraw(11, "A2", "HS-1"));
        // Spread evenly: 10 000 dossiers, about a tenth in each tenth of [0, 1).
        var draws = Enumerable.Range(0, 10_000).Select(i => SeededHash.DecisionDraw(3, "A1", $"HS-{i}")).ToList();
        Assert.All(Enumerable.Range(0, 10), k => Assert.InRange(draws.Count(d => d >= k / 10.0 && d < (k + 1) / 10.0), 900, 1100));
    }
}
