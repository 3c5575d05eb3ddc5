using System.Net;
using AngleSharp.Dom;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Pages.Waves;

/// <summary>Data and HTML helpers shared by the wave and dashboard page tests.</summary>
internal static class WavePageData
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// <paramref name="count"/> transactions of <paramref name="agencyCode"/> (procedure P1) with distinct mobile numbers
    /// (prefix <paramref name="phonePrefix"/>, 4 digits, then a 5-digit serial), result dates spread over March 2025
    /// unless <paramref name="resultDate"/> is given; <paramref name="withPhone"/>=false leaves the phone empty.
    /// </summary>
    public static async Task AddTransactionsAsync(
        NpgsqlDataSource dataSource, string agencyCode, int count, string phonePrefix, string? resultDate = null, bool withPhone = true, string dossierPrefix = "HS")
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            SELECT a.id, p.id, $2 || '-' || $1 || '-' || g,
                   CASE WHEN $5 THEN $3 || lpad(g::text, 5, '0') END,
                   coalesce($4::date, date '2025-03-01' + (g % 31))
            FROM generate_series(1, $6) g, agencies a, procedures p
            WHERE a.code = $1 AND p.code = 'P1'
            """);
        command.Parameters.AddWithValue(agencyCode);
        command.Parameters.AddWithValue(dossierPrefix);
        command.Parameters.AddWithValue(phonePrefix);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Date, resultDate is null ? DBNull.Value : DateOnly.Parse(resultDate, System.Globalization.CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue(withPhone);
        command.Parameters.AddWithValue(count);
        Assert.Equal(count, await command.ExecuteNonQueryAsync(Cancel));
    }

    /// <summary>Marks invitations of a wave sent at <paramref name="sentAgo"/> before now; answers their ids, in plan order.</summary>
    public static async Task<List<long>> MarkSentAsync(NpgsqlDataSource dataSource, long waveId, int count, TimeSpan sentAgo, int skip = 0)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE invitations SET status = 'sent', sent_at = now() - $4, claimed_at = now() - $4
            WHERE id IN (SELECT id FROM invitations WHERE wave_id = $1 ORDER BY planned_at, id OFFSET $2 LIMIT $3)
            RETURNING id
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue((long)skip);
        command.Parameters.AddWithValue((long)count);
        command.Parameters.AddWithValue(sentAgo);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            ids.Add(reader.GetInt64(0));
        Assert.Equal(count, ids.Count);
        ids.Sort();
        return ids;
    }

    /// <summary>A response to an invitation as the bot stores it, started <paramref name="startedAgo"/> before now.</summary>
    public static async Task AddResponseAsync(NpgsqlDataSource dataSource, long invitationId, string status, TimeSpan startedAgo)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id, started_at)
            SELECT 'test-' || i.id, 'sms', i.id, i.agency_id, w.questionnaire_id, now() - $2
            FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $1
            """) { Parameters = { new() { Value = invitationId }, new() { Value = startedAgo } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at, completed_at, provenance)
            SELECT 'test-' || i.id, i.id, i.wave_id, i.agency_id, w.questionnaire_id, 'sms', $3, now() - $2,
                   CASE WHEN $3 = 'completed' THEN now() - $2 END, 'sampled'
            FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $1
            """) { Parameters = { new() { Value = invitationId }, new() { Value = startedAgo }, new() { Value = status } } });
        await batch.ExecuteNonQueryAsync(Cancel);
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    /// <summary>GETs a page and answers its status and the page, parsed.</summary>
    public static async Task<(HttpStatusCode Status, HtmlPage Page)> FetchPageAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancel);
        return (response.StatusCode, await HtmlPage.ReadAsync(response));
    }

    /// <summary>The text of the <c>data-col</c> cell <paramref name="column"/> in the table row of an agency.</summary>
    public static string Cell(HtmlPage page, string agencyCode, string column) =>
        Row(page, agencyCode).One($"[data-col='{column}']").Text();

    /// <summary>The table row <c>tr[data-agency=code]</c>.</summary>
    public static IElement Row(HtmlPage page, string agencyCode) => page.One($"tr[data-agency='{agencyCode}']");

    /// <summary>The text of the one element matching <paramref name="selector"/> (e.g. <c>[data-count=sent]</c>).</summary>
    public static string Text(IParentNode scope, string selector) => scope.One(selector).Text();

    /// <inheritdoc cref="Text(IParentNode, string)"/>
    public static string Text(HtmlPage page, string selector) => page.One(selector).Text();

    /// <summary>The message shown beside a field (<c>data-error-for</c>), or null.</summary>
    public static string? FieldError(HtmlPage page, string field) =>
        page.Document.QuerySelector($"[data-error-for='{field}']")?.Text();
}
