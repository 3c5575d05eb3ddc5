using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests;

/// <summary>BotHost in-process on a given database, as `dotnet run` would start it with a connection string.</summary>
public sealed class BotHostFactory(string connectionString) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Survey", connectionString);
    }
}
