using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests;

/// <summary>BotHost in-process on a given database, as `dotnet run` would start it with a connection string.</summary>
public sealed class BotHostFactory(string connectionString, IEnumerable<KeyValuePair<string, string?>>? settings = null)
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
        foreach (var (key, value) in settings ?? [])
            builder.UseSetting(key, value);
    }

    /// <summary>Starts BotHost on real Kestrel at a free loopback port and returns its base URL (no trailing slash).</summary>
    public static (BotHostFactory Factory, string BaseUrl) StartOnKestrel(
        string connectionString, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var factory = new BotHostFactory(connectionString, settings.Concat(
        [
            new("App:PublicBaseUrl", baseUrl),
            new("Twilio:PublicBaseUrl", baseUrl),
            new("Urls", baseUrl),
        ]));
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
