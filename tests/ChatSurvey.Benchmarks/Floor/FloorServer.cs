using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Benchmarks.Floor;

/// <summary>
/// The floor of a turn: a bare ASP.NET Core endpoint, in its own process (<c>--floor-server</c>), doing what one turn
/// must do at least, with Npgsql on the same database server as the product (its own database, the product's schema):
/// read the conversation's state (one row), then one transaction writing the state (with its version checked, as the
/// bot's ETag is), one answer and the inbound log row — and answer. For SMS the post is Twilio's signed webhook and the
/// answer TwiML; for Direct Line the post is an activity, the transaction also appends the echo and the reply to the
/// transcript (its client-id key is the dedup), and the reply is read back by the watermark GET.
/// </summary>
/// <remarks>
/// No engine, no Bot Builder, no routing to an invitation, no logging: what is left is the HTTP, the signature or token
/// check and the database round trips every turn needs, so the product's ratio to it is what its own code costs.
/// </remarks>
public static class FloorServer
{
    /// <summary>The floor's own tables (beside the product's <c>bot_state</c> and <c>inbound_messages</c>, used as they are).</summary>
    public const string Schema =
        """
        CREATE TABLE IF NOT EXISTS floor_answers (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            conversation_id  text NOT NULL,
            question_code    text NOT NULL,
            kind             text NOT NULL,
            rating           smallint,
            text_value       text,
            answered_at      timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT floor_answers_question_key UNIQUE (conversation_id, question_code)
        );
        CREATE TABLE IF NOT EXISTS floor_activities (
            conversation_id     text NOT NULL,
            seq                 bigint NOT NULL,
            client_activity_id  text,
            activity            jsonb NOT NULL,
            created_at          timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, seq)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS floor_activities_client_key ON floor_activities (conversation_id, client_activity_id)
            WHERE client_activity_id IS NOT NULL;
        """;

    public const string SmsPath = "/floor/sms";

    // Replies of the same length as the product's prompts, so the response bodies weigh the same.
    private const string SmsReply = "Cau 2/7: Ong/Ba hai long the nao ve thu tuc hanh chinh: niem yet cong khai, ho so, phi, thoi han giai quyet?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long)";
    private const string WebReply = "Câu 2/7\nÔng/Bà hài lòng thế nào về thủ tục hành chính: niêm yết công khai, hồ sơ, phí, thời hạn giải quyết?";

    /// <summary>The bearer token the floor accepts for a conversation: base64url(HMAC-SHA256(key, id)).</summary>
    public static string Token(string key, string conversationId) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(conversationId)));

    /// <summary>Arguments: connection string, port, Twilio auth token (webhook signatures), public base URL, Direct Line token key.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 5)
        {
            await Console.Error.WriteLineAsync("usage: --floor-server <connection string> <port> <auth token> <public base url> <token key>");
            return 2;
        }

        var (connectionString, port, authToken, publicBaseUrl, tokenKey) = (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), args[2], args[3].TrimEnd('/'), args[4]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var app = builder.Build();
        var signer = new Signer(authToken, publicBaseUrl + SmsPath);

        app.MapGet("/healthz", async () =>
        {
            await using var ping = dataSource.CreateCommand("SELECT 1");
            await ping.ExecuteScalarAsync();
            return Results.Ok();
        });
        app.MapPost(SmsPath, (HttpRequest request) => SmsAsync(request.HttpContext, dataSource, signer));
        app.MapPost("/floor/directline/conversations/{id}/activities", (string id, HttpContext http) => PostActivityAsync(id, http, dataSource, tokenKey));
        app.MapGet("/floor/directline/conversations/{id}/activities", (string id, string? watermark, HttpContext http) => GetActivitiesAsync(id, watermark, http, dataSource, tokenKey));
        await app.RunAsync();
        return 0;
    }

    private static async Task<IResult> SmsAsync(HttpContext http, NpgsqlDataSource dataSource, Signer signer)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (!signer.IsValid(http.Request.Headers["X-Twilio-Signature"].ToString(), form))
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        var from = form["From"].ToString();
        var body = form["Body"].ToString();
        var key = "floor/sms/" + from;
        var (step, etag, _) = await ReadStateAsync(dataSource, key, http.RequestAborted);

        await using var connection = await dataSource.OpenConnectionAsync(http.RequestAborted);
        await using var transaction = await connection.BeginTransactionAsync(http.RequestAborted);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var state = StateCommand(key, step + 1, 0, etag);
        batch.BatchCommands.Add(state);
        batch.BatchCommands.Add(AnswerCommand(key, step, body));
        var inbound = new NpgsqlBatchCommand(
            "INSERT INTO inbound_messages (channel, provider_message_id, from_address, to_address, body, reply) VALUES ('sms', $1, $2, $3, $4, $5)");
        inbound.Parameters.Add(new NpgsqlParameter { Value = form["MessageSid"].ToString() });
        inbound.Parameters.Add(new NpgsqlParameter { Value = from });
        inbound.Parameters.Add(new NpgsqlParameter { Value = form["To"].ToString() });
        inbound.Parameters.Add(new NpgsqlParameter { Value = body });
        inbound.Parameters.Add(new NpgsqlParameter { Value = SmsReply });
        batch.BatchCommands.Add(inbound);
        await batch.ExecuteNonQueryAsync(http.RequestAborted);
        if (state.RecordsAffected != 1)
            return Results.StatusCode(StatusCodes.Status409Conflict);
        await transaction.CommitAsync(http.RequestAborted);
        return Results.Text($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{SmsReply}</Message></Response>", "application/xml", Encoding.UTF8);
    }

    private static async Task<IResult> PostActivityAsync(string id, HttpContext http, NpgsqlDataSource dataSource, string tokenKey)
    {
        if (!Authorized(http, tokenKey, id))
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        string text;
        string? clientActivityId = null;
        using (var posted = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))
        {
            text = posted.RootElement.GetProperty("text").GetString() ?? "";
            if (posted.RootElement.TryGetProperty("channelData", out var channelData) && channelData.TryGetProperty("clientActivityID", out var clientId))
                clientActivityId = clientId.GetString();
        }

        var key = "floor/dl/" + id;
        var (step, etag, lastSeq) = await ReadStateAsync(dataSource, key, http.RequestAborted);
        // The greeting (an empty text, before any answer) shows the intro and the first question; an answer is echoed
        // and replied to.
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var activities = new List<string>(2);
        var echoSeq = 0L;
        if (text.Length > 0)
        {
            echoSeq = lastSeq + 1;
            activities.Add(ActivityJson(id, echoSeq, "citizen", "user", text, null, now));
        }

        var replies = text.Length > 0 ? 1 : 2;
        for (var i = 0; i < replies; i++)
            activities.Add(ActivityJson(id, lastSeq + activities.Count + 1, "chatsurvey", "bot", WebReply, echoSeq > 0 ? ActivityId(id, echoSeq) : null, now));

        await using var connection = await dataSource.OpenConnectionAsync(http.RequestAborted);
        await using var transaction = await connection.BeginTransactionAsync(http.RequestAborted);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var state = StateCommand(key, text.Length > 0 ? step + 1 : step, lastSeq + activities.Count, etag);
        batch.BatchCommands.Add(state);
        if (text.Length > 0)
            batch.BatchCommands.Add(AnswerCommand(key, step, text));
        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO floor_activities (conversation_id, seq, client_activity_id, activity)
            SELECT $1, $2 + a.ord, CASE WHEN a.ord = 1 AND $4 THEN $5 END, a.activity::jsonb
            FROM unnest($3::text[]) WITH ORDINALITY AS a(activity, ord)
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = lastSeq });
        insert.Parameters.Add(new NpgsqlParameter { Value = activities.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = echoSeq > 0 });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)clientActivityId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(http.RequestAborted);
        if (state.RecordsAffected != 1)
            return Results.StatusCode(StatusCodes.Status409Conflict);
        await transaction.CommitAsync(http.RequestAborted);
        return Results.Json(new { id = ActivityId(id, echoSeq > 0 ? echoSeq : lastSeq + 1) });
    }

    private static async Task<IResult> GetActivitiesAsync(string id, string? watermark, HttpContext http, NpgsqlDataSource dataSource, string tokenKey)
    {
        if (!Authorized(http, tokenKey, id))
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        var after = watermark is null ? 0 : long.Parse(watermark, CultureInfo.InvariantCulture);
        await using var command = dataSource.CreateCommand(
            "SELECT seq, activity::text FROM floor_activities WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT 100");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(after);
        var json = new StringBuilder("{\"activities\":[");
        var last = after;
        await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
        {
            while (await reader.ReadAsync(http.RequestAborted))
            {
                if (last != after)
                    json.Append(',');
                last = reader.GetInt64(0);
                json.Append(reader.GetString(1));
            }
        }

        json.Append(CultureInfo.InvariantCulture, $"],\"watermark\":\"{last}\"}}");
        return Results.Text(json.ToString(), "application/json", Encoding.UTF8);
    }

    private static async Task<(int Step, long? Etag, long LastSeq)> ReadStateAsync(NpgsqlDataSource dataSource, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT document, etag FROM bot_state WHERE key = $1");
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return (0, null, 0);
        using var document = JsonDocument.Parse(reader.GetString(0));
        return (document.RootElement.GetProperty("step").GetInt32(), reader.GetInt64(1), document.RootElement.GetProperty("seq").GetInt64());
    }

    /// <summary>A new state row, or the update of the version read (0 rows when another turn changed it meanwhile).</summary>
    private static NpgsqlBatchCommand StateCommand(string key, int step, long seq, long? etag)
    {
        var document = string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{step},\"seq\":{seq}}}");
        var command = new NpgsqlBatchCommand(etag is null
            ? "INSERT INTO bot_state (key, document) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING"
            : "UPDATE bot_state SET document = $2::jsonb, etag = etag + 1, updated_at = now() WHERE key = $1 AND etag = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = document });
        if (etag is not null)
            command.Parameters.Add(new NpgsqlParameter { Value = etag.Value });
        return command;
    }

    private static NpgsqlBatchCommand AnswerCommand(string conversation, int step, string text)
    {
        var rating = short.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is >= 1 and <= 5 ? r : (short?)null;
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO floor_answers (conversation_id, question_code, kind, rating, text_value) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (conversation_id, question_code) DO UPDATE
                SET kind = EXCLUDED.kind, rating = EXCLUDED.rating, text_value = EXCLUDED.text_value, answered_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = conversation });
        command.Parameters.Add(new NpgsqlParameter { Value = "Q" + step.ToString(CultureInfo.InvariantCulture) });
        command.Parameters.Add(new NpgsqlParameter { Value = rating is null ? "text" : "rating" });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)rating ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = rating is null ? text : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    private static string ActivityId(string conversation, long seq) => string.Create(CultureInfo.InvariantCulture, $"{conversation}|{seq:D7}");

    private static string ActivityJson(string conversation, long seq, string fromId, string role, string text, string? replyToId, string timestamp) =>
        JsonSerializer.Serialize(new
        {
            type = "message",
            id = ActivityId(conversation, seq),
            timestamp,
            channelId = "directline",
            from = new { id = fromId, role },
            conversation = new { id = conversation },
            text,
            replyToId,
        });

    private static bool Authorized(HttpContext http, string key, string id)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..]), Encoding.UTF8.GetBytes(Token(key, id)));
    }

    /// <summary>Twilio's webhook signature over the configured URL and the sorted fields, compared in constant time.</summary>
    private sealed class Signer(string authToken, string url)
    {
        private readonly byte[] _key = Encoding.UTF8.GetBytes(authToken);

        public bool IsValid(string signature, IFormCollection form)
        {
            var data = new StringBuilder(url, 512);
            foreach (var field in form.OrderBy(f => f.Key, StringComparer.Ordinal))
                data.Append(field.Key).Append(field.Value.ToString());
#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1; the floor checks it as the product does.
            var expected = Convert.ToBase64String(HMACSHA1.HashData(_key, Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(signature), Encoding.UTF8.GetBytes(expected));
        }
    }
}
