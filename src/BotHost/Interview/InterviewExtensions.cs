namespace ChatSurvey.BotHost.Interview;

internal static class InterviewExtensions
{
    /// <summary>The <c>/interview</c> pages' services (the pages are Razor Pages under <c>Pages/Interview</c>).</summary>
    public static IServiceCollection AddInterviews(this IServiceCollection services)
    {
        services.AddSingleton<InterviewQueries>();
        services.AddSingleton<InterviewTurns>();
        return services;
    }
}

/// <summary>The signed-in volunteer of an interview page.</summary>
internal static class InterviewUser
{
    /// <summary>The account id of the sign-in cookie (the interviewer policy has let only signed-in accounts through).</summary>
    public static long AccountId(this System.Security.Claims.ClaimsPrincipal user) =>
        long.Parse(
            user.FindFirst(Accounts.AccountClaims.AccountId)?.Value
                ?? throw new InvalidOperationException("The sign-in cookie carries no account id."),
            System.Globalization.CultureInfo.InvariantCulture);
}
