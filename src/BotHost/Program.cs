using ChatSurvey.BotHost;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.BotHost.WebChat;
using ChatSurvey.Dispatcher;
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

builder.AddDispatcher();
builder.Services.AddProblemDetails();
builder.Services.AddHealth();
builder.Services.AddSurveyBot();
builder.Services.AddWebChat();
builder.Services.AddAdminApi();
builder.Services.AddWaves();
builder.Services.AddMemoryCache();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealth();
app.MapSurveyBot();
app.MapAdminApi();
app.MapAdminLogin();
app.MapSimulatorPage();
app.MapPublicResultsApi();
app.MapJobsDashboard();
app.MapWebChat();
app.MapGet("/", () => TypedResults.Text(
    "ChatSurvey — khảo sát sự hài lòng của người dân, tổ chức (SIPAS)\n/healthz\n", "text/plain; charset=utf-8"));

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
