using ChatSurvey.BotHost;
using ChatSurvey.BotHost.Health;
using ChatSurvey.Dispatcher.Database;
using ChatSurvey.Domain.Storage;

var builder = WebApplication.CreateBuilder(args);
try
{
    await builder.AddSurveyDatabaseAsync();
}
catch (PostgresNotInstalledException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}

builder.Services.AddProblemDetails();
builder.Services.AddHealth();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapHealth();
app.MapGet("/", () => TypedResults.Text(
    "ChatSurvey — khảo sát sự hài lòng của người dân, tổ chức (SIPAS)\n/healthz\n", "text/plain; charset=utf-8"));

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
