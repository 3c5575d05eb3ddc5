using System.Globalization;
using System.Security.Cryptography;
using ChatSurvey.Benchmarks.Floor;
using ChatSurvey.Benchmarks.Harness;
using Npgsql;

namespace ChatSurvey.Benchmarks.Servers;

/// <summary>
/// The floor (<see cref="FloorServer"/>) as its own process: this program started again with <c>--floor-server</c>,
/// on its own migrated database of the same server. Shared by the SMS and web chat scenarios.
/// </summary>
public sealed class FloorProcess : IAsyncDisposable
{
    private FloorProcess(ChildProcess process, Uri baseUrl, string authToken, string tokenKey)
    {
        Process = process;
        BaseUrl = baseUrl;
        AuthToken = authToken;
        TokenKey = tokenKey;
    }

    public ChildProcess Process { get; }

    public Uri BaseUrl { get; }

    /// <summary>The Twilio auth token the floor checks webhook signatures with.</summary>
    public string AuthToken { get; }

    /// <summary>The key of the floor's Direct Line tokens (<see cref="FloorServer.Token"/>).</summary>
    public string TokenKey { get; }

    public Uri SmsWebhookUrl => new(BaseUrl, FloorServer.SmsPath);

    public static Task<FloorProcess> SharedAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.SharedAsync("floor", () => StartAsync(context, cancellationToken));
    }

    private static async Task<FloorProcess> StartAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var connectionString = await context.CreateDatabaseAsync("floor", migrated: true, cancellationToken);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var schema = new NpgsqlCommand(FloorServer.Schema, connection);
            await schema.ExecuteNonQueryAsync(cancellationToken);
        }

        var port = ChildProcess.FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        var authToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var tokenKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var (fileName, arguments) = ChildProcess.DotnetCommand(typeof(FloorProcess).Assembly.Location);
        arguments.AddRange(["--floor-server", connectionString, port.ToString(CultureInfo.InvariantCulture), authToken, baseUrl.ToString().TrimEnd('/'), tokenKey]);
        // The same garbage collector as BotHost (a web project: server GC), so the floor is not cheaper by its runtime settings.
        var process = ChildProcess.Start(context, "floor", fileName, arguments, new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" });
        try
        {
            await process.WaitReadyAsync(new Uri(baseUrl, "/healthz"), TimeSpan.FromMinutes(1), cancellationToken);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        context.Info($"floor (pid {process.Id}) ready at {baseUrl}");
        return new FloorProcess(process, baseUrl, authToken, tokenKey);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
