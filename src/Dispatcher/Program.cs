using ChatSurvey.Dispatcher.Database;

namespace ChatSurvey.Dispatcher;

/// <summary>
/// Worker-only process: a Hangfire server on the same database and queues as BotHost (docs/design.md#processes).
/// An explicit, namespaced entry point: with ASP.NET Core referenced (Hangfire.AspNetCore), a top-level one would become a
/// public global <c>Program</c> and clash with BotHost's in tests that load both.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        try
        {
            await builder.AddSurveyDatabaseAsync();
        }
        catch (PostgresNotInstalledException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        builder.AddDispatcher();

        using var host = builder.Build();
        await host.RunAsync();
        return 0;
    }
}
