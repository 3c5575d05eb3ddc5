using Markdig;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages;

/// <summary>
/// <c>/cach-tinh</c>, public: the methodology (docs/methodology.md, built into BotHost) rendered to HTML — which ballots
/// count, how a wave is published, interim and final figures, the ballot checksum. The text is the repository's own;
/// raw HTML in it is not passed through.
/// </summary>
public sealed class MethodologyModel : PageModel
{
    public const string ResourceName = "methodology.md";

    private static readonly Lazy<string> Rendered = new(Render);

    /// <summary>The methodology as HTML.</summary>
    public string Html => Rendered.Value;

    public void OnGet()
    {
    }

    /// <summary>The built-in markdown text.</summary>
    public static string Markdown()
    {
        using var stream = typeof(MethodologyModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The {ResourceName} resource is missing from {typeof(MethodologyModel).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Render()
    {
        var pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml().Build();
        return Markdig.Markdown.ToHtml(Markdown(), pipeline);
    }
}
