using System.Text.RegularExpressions;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>
/// Each status is defined once in C# (<c>src/Domain/Statuses</c>, the import enums) and once in the schema's CHECK: on a
/// migrated database, each constraint lists exactly the C# values, no more and no fewer.
/// </summary>
public sealed partial class StatusConstraintTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<string, string[]> Constraints => new()
    {
        { "waves_status_known", [.. WaveStatus.All] },
        { "invitations_status_known", [.. InvitationStatus.All] },
        { "responses_status_known", [.. ResponseStatus.All] },
        { "responses_provenance_known", [.. Provenance.All] },
        { "opt_outs_source_known", [.. OptOutSource.All] },
        { "inbound_messages_reply_via_known", [.. ReplyRoute.All] },
        { "agencies_kind_known", [.. AgencyKind.All] },
        { "waves_mode_known", [.. WaveMode.All] },
        { "back_checks_outcome_known", [.. BackCheckOutcome.All] },
        { "wave_decisions_outcome_known", [.. DecisionOutcome.All] },
        { "agencies_block_known", [.. AgencyBlock.All] },
        { "answers_kind_known", [.. ChatSurvey.Domain.Conversations.RecordedAnswer.StorageKinds] },
        { "imports_status_known", Enum.GetValues<ImportStatus>().Select(ImportStore.ToText).ToArray() },
        { "imports_source_known", Enum.GetValues<ImportSource>().Select(ImportStore.ToText).ToArray() },
    };

    [Theory]
    [MemberData(nameof(Constraints))]
    public async Task CheckConstraint_Should_ListExactlyTheCSharpValues_When_DatabaseIsMigrated(string constraint, string[] values)
    {
        await using var command = db.DataSource.CreateCommand(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 AND contype = 'c'");
        command.Parameters.AddWithValue(constraint);
        var definition = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) as string;
        Assert.NotNull(definition);

        // PostgreSQL prints IN (...) as = ANY (ARRAY['a'::text, 'b'::text, ...]).
        var listed = Literal().Matches(definition).Select(m => m.Groups["value"].Value).ToList();
        Assert.Equal(values.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("'(?<value>[^']*)'::text")]
    private static partial Regex Literal();
}
