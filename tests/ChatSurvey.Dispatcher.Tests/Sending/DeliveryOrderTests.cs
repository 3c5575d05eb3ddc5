using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.TestSupport;
using static ChatSurvey.Dispatcher.Tests.Sending.SendingTestData;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>
/// Provider status callbacks, applied in the order given to a sent invitation with a provider id (the provider said
/// "accepted" when it took it): a status only moves an invitation forward (queued &lt; sent &lt; delivered = failed),
/// whatever order the callbacks arrive in; a callback that would not move it changes nothing.
/// </summary>
public sealed class DeliveryOrderTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static int _nextSid;

    [Theory]
    [InlineData("delivered", "delivered", "delivered")]
    [InlineData("sent,delivered", "delivered", "delivered")]
    [InlineData("delivered,sent", "delivered", "delivered")]
    [InlineData("read,queued", "delivered", "read")]
    [InlineData("queued", "sent", "accepted")]
    [InlineData("sent,queued", "sent", "accepted")]
    [InlineData("undelivered,delivered", "failed", "undelivered")]
    [InlineData("delivered,failed", "delivered", "delivered")]
    public async Task Callbacks_Should_OnlyMoveForward_When_ArrivingInAnyOrder(string callbacks, string status, string providerStatus)
    {
        var cancel = TestContext.Current.CancellationToken;
        var wave = await CreateWaveAsync(db.DataSource, 1, HaiPhong(2026, 3, 2, 10));
        var sid = "SM" + Interlocked.Increment(ref _nextSid).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        await using (var sent = db.DataSource.CreateCommand(
            "UPDATE invitations SET status = 'sent', provider_message_id = $2, provider_status = 'accepted', sent_at = now() WHERE wave_id = $1"))
        {
            sent.Parameters.AddWithValue(wave.Id);
            sent.Parameters.AddWithValue(sid);
            await sent.ExecuteNonQueryAsync(cancel);
        }

        foreach (var callback in callbacks.Split(','))
        {
            await using var batch = db.DataSource.CreateBatch();
            batch.BatchCommands.Add(InvitationStore.ApplyProviderStatus(sid, callback, null));
            await batch.ExecuteNonQueryAsync(cancel);
        }

        await using var read = db.DataSource.CreateCommand(
            "SELECT status, provider_status, delivered_at IS NOT NULL FROM invitations WHERE provider_message_id = $1");
        read.Parameters.AddWithValue(sid);
        await using var reader = await read.ExecuteReaderAsync(cancel);
        Assert.True(await reader.ReadAsync(cancel));
        Assert.Equal((status, providerStatus, status == "delivered"), (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
    }
}
