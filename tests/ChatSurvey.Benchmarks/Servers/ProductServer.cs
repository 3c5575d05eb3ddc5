using System.Reflection;
using System.Security.Cryptography;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Benchmarks.Load;
using Npgsql;

namespace ChatSurvey.Benchmarks.Servers;

/// <summary>
/// The product under test: the real BotHost (<c>dotnet ChatSurvey.BotHost.dll</c> from its build output, in the
/// suite's configuration) as its own process, on a migrated database of the suite's server, configured only through
/// environment variables as an operator would: Twilio as the SMS provider with the REST API pointed at the runner's
/// <see cref="FastTwilioFake"/> and the public URL its webhooks are signed for, web chat tokens signed, the per-phone
/// SMS and per-address token limits raised (the load comes from one address and a few thousand phones answering
/// without pause: a limit would refuse it by design), no demo seed. Hangfire and its recurring jobs run as in
/// production. Started once per suite run and shared by the SMS and web chat scenarios.
/// </summary>
public sealed class ProductServer : IAsyncDisposable
{
    private const string ServiceNumber = "+84888000111";

    private ProductServer(ChildProcess process, Uri baseUrl, string connectionString, NpgsqlDataSource dataSource, FastTwilioFake twilio, SeedCatalogue catalogue)
    {
        Process = process;
        BaseUrl = baseUrl;
        ConnectionString = connectionString;
        DataSource = dataSource;
        Twilio = twilio;
        Catalogue = catalogue;
    }

    public ChildProcess Process { get; }

    public Uri BaseUrl { get; }

    public string ConnectionString { get; }

    /// <summary>The runner's own connections to the product's database (seeding, checks).</summary>
    public NpgsqlDataSource DataSource { get; }

    public FastTwilioFake Twilio { get; }

    public SeedCatalogue Catalogue { get; }

    public Uri SmsWebhookUrl => new(BaseUrl, "/api/sms/twilio");

    public string SmsServiceNumber => ServiceNumber;

    public static Task<ProductServer> SharedAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.SharedAsync("product", () => StartAsync(context, cancellationToken));
    }

    /// <summary>The BotHost assembly built with the suite (see the csproj's <c>BotHostDll</c>).</summary>
    public static string BotHostDll()
    {
        var path = typeof(ProductServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BotHostDll")?.Value
            ?? throw new InvalidOperationException("The suite was built without the BotHostDll metadata.");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"BotHost is not built at {path}: build the suite (it builds BotHost in the same configuration).", path);
    }

    private static async Task<ProductServer> StartAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var dll = BotHostDll();
        var connectionString = await context.CreateDatabaseAsync("product", migrated: true, cancellationToken);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var twilio = await FastTwilioFake.StartAsync(cancellationToken);
        ChildProcess? process = null;
        try
        {
            var catalogue = await SurveySeed.PrepareAsync(dataSource, cancellationToken);
            var port = ChildProcess.FreePort();
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            var environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Urls"] = baseUrl.ToString().TrimEnd('/'),
                ["ConnectionStrings__Survey"] = connectionString,
                ["Storage__SeedDemoData"] = "false",
                ["App__PublicBaseUrl"] = baseUrl.ToString().TrimEnd('/'),
                ["Sms__Provider"] = "Twilio",
                ["Twilio__AccountSid"] = twilio.AccountSid,
                ["Twilio__AuthToken"] = twilio.AuthToken,
                ["Twilio__From"] = ServiceNumber,
                ["Twilio__ApiBaseUrl"] = twilio.BaseUrl.ToString(),
                ["Twilio__PublicBaseUrl"] = baseUrl.ToString().TrimEnd('/'),
                ["WebChat__TokenSigningKey"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ["RateLimits__SmsPerPhonePerMinute"] = "10000",
                ["RateLimits__TokensPerAddressPerMinute"] = "100000",
            };
            var (fileName, arguments) = ChildProcess.DotnetCommand(dll);
            process = ChildProcess.Start(context, "bothost", fileName, arguments, environment, Path.GetDirectoryName(dll));
            await process.WaitReadyAsync(new Uri(baseUrl, "/healthz"), TimeSpan.FromMinutes(2), cancellationToken);
            context.Info($"BotHost (pid {process.Id}) ready at {baseUrl} from {dll}; log {process.LogFile}");
            return new ProductServer(process, baseUrl, connectionString, dataSource, twilio, catalogue);
        }
        catch
        {
            if (process is not null)
                await process.DisposeAsync();
            await twilio.DisposeAsync();
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await Twilio.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
