using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>A one-off invitation's transaction is dated like an imported one: the day in Hai Phong.</summary>
public sealed class ManualInvitationsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("2025-03-10T18:30:00Z", "2025-03-11")] // 01:30 on the 11th in Hai Phong, the 10th in UTC
    [InlineData("2025-03-10T16:30:00Z", "2025-03-10")] // 23:30 on the 10th in Hai Phong
    public async Task Create_Should_DateTheResultInVietnam_When_UtcDateDiffers(string utcNow, string expected)
    {
        var cancel = TestContext.Current.CancellationToken;
        await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, cancel);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using (var seed = db.DataSource.CreateCommand(
            """
            WITH agency AS (INSERT INTO agencies (code, name, kind) VALUES ('A-' || $1, 'Sở Tư pháp', 'department'))
            INSERT INTO procedures (code, name, short_name) VALUES ('P-' || $1, 'Đăng ký khai sinh', 'Dang ky khai sinh')
            """))
        {
            seed.Parameters.AddWithValue(suffix);
            await seed.ExecuteNonQueryAsync(cancel);
        }

        var clock = new FakeTimeProvider(DateTimeOffset.Parse(utcNow, System.Globalization.CultureInfo.InvariantCulture));
        var phone = "+8491" + Random.Shared.Next(1_000_000, 10_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var invitationStore = new InvitationStore(db.DataSource);
        var invitation = await new ManualInvitations(db.DataSource, new WaveStore(db.DataSource, invitationStore), invitationStore, clock).CreateAsync(
            new ManualInvitationRequest(phone, "A-" + suffix, "P-" + suffix, "sipas-sms"), cancel);

        await using var read = db.DataSource.CreateCommand(
            "SELECT t.result_date FROM invitations i JOIN transactions t ON t.id = i.transaction_id WHERE i.id = $1");
        read.Parameters.AddWithValue(invitation.InvitationId);
        await using var reader = await read.ExecuteReaderAsync(cancel);
        Assert.True(await reader.ReadAsync(cancel));
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), reader.GetFieldValue<DateOnly>(0));
    }
}
