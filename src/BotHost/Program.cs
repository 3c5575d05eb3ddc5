using ChatSurvey.BotHost;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Integration;
using ChatSurvey.BotHost.Interview;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.BotHost.WebChat;
using ChatSurvey.Dispatcher;
using ChatSurvey.BotHost.Health;
using ChatSurvey.Dispatcher.Database;

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
builder.Services.AddRateLimits();
builder.Services.AddAdminApi();
builder.Services.AddIntegration();
builder.Services.AddAdminUi();
builder.Services.AddWaves();
builder.Services.AddPublicResults();
builder.Services.AddInterviews();
builder.Services.AddVolunteers();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseIntegrationKeyFence();
app.UseStaticFiles();
app.UseAuthentication();
// After authentication: the interview pages' limit is per signed-in account.
app.UseRateLimiter();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealth();
app.MapSurveyBot();
app.MapAdminApi();
app.MapIntegrationApi();
app.MapPublicResultsApi();
app.MapJobsDashboard();
app.MapWebChat();
app.MapAdminUi();
app.MapInterviewProgress();
app.MapGet("/", () => TypedResults.Redirect("/results"));

app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
