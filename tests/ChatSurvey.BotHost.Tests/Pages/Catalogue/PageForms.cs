using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages;

/// <summary>Posting a page's form as a browser does (its antiforgery token, its field names), and reading the answer.</summary>
internal static class PageForms
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>GETs <paramref name="page"/> for a fresh token, then posts the fields to <paramref name="action"/> (default: the page).</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(
        this HttpClient client, string page, IEnumerable<(string Name, string? Value)> fields, string? action = null)
    {
        var token = AdminSignIn.AntiforgeryToken(await client.GetStringAsync(page, Cancel));
        using var content = new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value ?? "")).Prepend(new("__RequestVerificationToken", token)));
        return await client.PostAsync(action ?? page, content, Cancel);
    }

    /// <summary>Posts the fields to <paramref name="action"/> with the antiforgery token of a page already fetched.</summary>
    public static Task<HttpResponseMessage> SubmitFormAsync(
        this HttpClient client, string action, string pageHtml, params (string Name, string Value)[] fields) =>
        client.PostAsync(action, new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))
                .Prepend(new("__RequestVerificationToken", AdminSignIn.AntiforgeryToken(pageHtml)))), Cancel);

    /// <inheritdoc cref="SubmitFormAsync(HttpClient, string, string, ValueTuple{string, string}[])"/>
    public static Task<HttpResponseMessage> SubmitFormAsync(
        this HttpClient client, string action, HtmlPage page, params (string Name, string Value)[] fields) =>
        client.SubmitFormAsync(action, page.Source, fields);

    /// <summary>The page a response carries, parsed.</summary>
    public static Task<HtmlPage> ReadPageAsync(this HttpResponseMessage response) => HtmlPage.ReadAsync(response);

    /// <summary>GETs a page, asserting 200, and parses it.</summary>
    public static Task<HtmlPage> GetPageAsync(this HttpClient client, string url) => HtmlPage.GetOkAsync(client, url);

    /// <summary>The error shown beside the input named <paramref name="field"/> (<c>asp-validation-for</c>), or "".</summary>
    public static string FieldError(HtmlPage page, string field) =>
        page.Document.QuerySelector($"[data-valmsg-for='{field}']")?.Text() ?? "";

    /// <summary>The text of each body row of the table with this id, cells joined by " | ".</summary>
    public static IReadOnlyList<string> TableRows(HtmlPage page, string tableId) =>
        [.. page.One($"table#{tableId}").QuerySelectorAll("tbody tr").Select(row => string.Join(" | ", row.QuerySelectorAll("td").Select(cell => cell.Text())))];
}
