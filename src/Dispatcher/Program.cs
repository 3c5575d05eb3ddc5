using ChatSurvey.Dispatcher;
using ChatSurvey.Dispatcher.Database;
using ChatSurvey.Domain.Storage;

// Worker-only process: shares the database (and, later, the Hangfire queues) with BotHost.
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
