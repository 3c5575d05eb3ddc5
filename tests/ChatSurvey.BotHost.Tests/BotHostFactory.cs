using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatSurvey.BotHost.Tests;

/// <summary>
/// BotHost in-process on a given database, as `dotnet run` would start it with a connection string, with two differences
/// that keep tests from racing their own host: the recurring Hangfire jobs are not registered
/// (<c>Dispatcher:RecurringJobs=false</c>; a test runs the job it needs, and <c>RecurringJobsTests</c> covers the schedule),
/// and <paramref name="clock"/>, when given, replaces the system clock.
/// </summary>
public sealed class BotHostFactory(
    string connectionString, IEnumerable<KeyValuePair<string, string?>>? settings = null, TimeProvider? clock = null)
    : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key";

    /// <summary>The administrator every test host creates at start-up through <c>Admin:InitialAdmin</c>.</summary>
    public const string AdminUser = "admin";

    public const string AdminPassword = "test-admin-password";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Survey", connectionString);
        builder.UseSetting("Admin:ApiKey", AdminKey);
        builder.UseSetting("Admin:InitialAdmin:UserName", AdminUser);
        builder.UseSetting("Admin:InitialAdmin:Password", AdminPassword);
        // Keep the test output readable: the app's start-up chatter would bury a failure's message in CI logs.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        builder.UseSetting("Dispatcher:RecurringJobs", "false");
        foreach (var (key, value) in settings ?? [])
            builder.UseSetting(key, value);
        if (clock is not null)
        {
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(clock);
            });
        }
    }

    /// <summary>Runs one of this host's jobs now, built from its container as the Hangfire server would build it.</summary>
    public T Job<T>()
        where T : notnull => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>Starts BotHost on real Kestrel at a free loopback port and returns its base URL (no trailing slash).</summary>
    public static (BotHostFactory Factory, string BaseUrl) StartOnKestrel(
        string connectionString, IEnumerable<KeyValuePair<string, string?>> settings, TimeProvider? clock = null)
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var factory = new BotHostFactory(connectionString, settings.Concat(
        [
            new("App:PublicBaseUrl", baseUrl),
            new("Twilio:PublicBaseUrl", baseUrl),
            new("Urls", baseUrl),
        ]), clock);
        factory.UseKestrel(port);
        factory.StartServer();
        return (factory, baseUrl);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
