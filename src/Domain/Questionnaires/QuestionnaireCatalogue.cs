using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>
/// The questionnaires that ship with ChatSurvey (embedded JSON under Questionnaires/Definitions,
/// docs/methodology.md#the-questionnaires) and the reading, validation and writing of questionnaire JSON.
/// </summary>
/// <remarks>
/// JSON uses camelCase property names exactly as the records (<c>code</c>, <c>askIf</c>, <c>equals</c> …), enum
/// names as in <see cref="QuestionKind"/>/<see cref="QuestionRole"/> (<c>yes_no</c>); unknown or duplicate
/// properties are errors, so a typo cannot silently drop a condition. Comments and trailing commas are allowed.
/// </remarks>
public static class QuestionnaireCatalogue
{
    /// <summary>The 2023 method (QĐ 1001/QĐ-BNV) in full: 5 elements, 16 criteria. The default.</summary>
    public const string Full = "sipas-full";

    /// <summary>The 2017 method (QĐ 2640/QĐ-BNV) in full: 5 elements, 22 criteria.</summary>
    public const string Method2017 = "sipas-2017";

    /// <summary>The SMS short form: five element questions, overall, optional comment.</summary>
    public const string Sms = "sipas-sms";

    private const string ResourcePrefix = "ChatSurvey.Domain.Questionnaires.Definitions.";

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonSerializerOptions WriteOptions = new(ReadOptions)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    private static readonly Lazy<IReadOnlyList<Questionnaire>> Embedded = new(LoadEmbedded);

    /// <summary>
    /// The embedded default questionnaires (validated on first use), ordered by code, then version. Every shipped version
    /// stays here unchanged (databases in the field hold it, and their waves keep it); a change ships as a new version.
    /// </summary>
    /// <exception cref="QuestionnaireValidationException">When an embedded definition breaks a rule (a build defect).</exception>
    public static IReadOnlyList<Questionnaire> Defaults => Embedded.Value;

    /// <summary>The newest embedded version with this code: what a new wave of that code runs.</summary>
    /// <exception cref="KeyNotFoundException">When no default has that code.</exception>
    public static Questionnaire Default(string code) =>
        Defaults.LastOrDefault(q => q.Code == code)
        ?? throw new KeyNotFoundException($"No default questionnaire '{code}' (defaults: {DefaultNames()}).");

    /// <summary>The embedded default with this code and version.</summary>
    /// <exception cref="KeyNotFoundException">When no default has that code and version.</exception>
    public static Questionnaire Default(string code, int version) =>
        Defaults.FirstOrDefault(q => q.Code == code && q.Version == version)
        ?? throw new KeyNotFoundException($"No default questionnaire '{code}' version {version} (defaults: {DefaultNames()}).");

    private static string DefaultNames() => string.Join(", ", Defaults.Select(q => $"{q.Code} v{q.Version}"));

    /// <summary>Reads and validates a questionnaire definition.</summary>
    /// <exception cref="QuestionnaireValidationException">
    /// Listing every broken rule (see <see cref="Validate"/>), or the single JSON error when the document cannot be read.
    /// </exception>
    public static Questionnaire Parse(string json)
    {
        var questionnaire = Deserialize(json);
        var problems = Validate(questionnaire);
        return problems.Count == 0 ? questionnaire : throw new QuestionnaireValidationException(problems);
    }

    /// <summary>
    /// Every broken rule of <paramref name="questionnaire"/>, empty when it is valid. Rules: codes well-formed and
    /// unique; at least one element and one question; criterion and element questions name a declared element (and
    /// only they name one); each element is asked; at most one element question per element; role and kind agree
    /// (criterion/element/overall rating, gate yes_no, improve choice over element codes, comment text); choice
    /// questions have at least 2 options with unique values ("0" is reserved for skipping), other kinds none;
    /// askIf names an earlier yes/no or choice question and one of its values; only rating questions allow
    /// "Không áp dụng" (<see cref="Question.AllowNotApplicable"/>); <c>scoring</c>, when given, keeps the rules of
    /// <see cref="QuestionnaireScoring"/>; every SMS text (questions, options, elements, intro, thanks) is ASCII GSM-7;
    /// intro, thanks and every rendered SMS prompt (<see cref="QuestionPrompt.Sms"/>) fit one segment.
    /// </summary>
    public static IReadOnlyList<QuestionnaireProblem> Validate(Questionnaire questionnaire) =>
        QuestionnaireValidator.Validate(questionnaire);

    /// <summary>The definition as JSON (camelCase, indented, nulls omitted); <see cref="Parse"/> reads it back to the same definition.</summary>
    public static string Serialize(Questionnaire questionnaire) => JsonSerializer.Serialize(questionnaire, WriteOptions);

    /// <summary>Reads JSON without checking the rules: for definitions already validated when stored.</summary>
    /// <exception cref="QuestionnaireValidationException">When the document is not a readable questionnaire.</exception>
    internal static Questionnaire Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<Questionnaire>(json, ReadOptions)
                ?? throw new QuestionnaireValidationException([new QuestionnaireProblem("json", "the document is null")]);
        }
        catch (JsonException error)
        {
            var where = error.Path is null ? "" : $" (at {error.Path})";
            throw new QuestionnaireValidationException([new QuestionnaireProblem("json", error.Message + where)], error);
        }
    }

    private static IReadOnlyList<Questionnaire> LoadEmbedded()
    {
        var assembly = typeof(QuestionnaireCatalogue).Assembly;
        var loaded = new List<Questionnaire>();
        foreach (var name in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
            using var reader = new StreamReader(stream);
            try
            {
                loaded.Add(Parse(reader.ReadToEnd()));
            }
            catch (QuestionnaireValidationException error)
            {
                throw new QuestionnaireValidationException(
                    [.. error.Problems.Select(p => p with { Subject = $"{name[ResourcePrefix.Length..]} {p.Subject}" })], error);
            }
        }

        if (loaded.Count == 0)
            throw new InvalidOperationException($"No embedded questionnaire definitions under {ResourcePrefix}.");
        var twice = loaded.GroupBy(q => (q.Code, q.Version)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidOperationException($"Questionnaire '{twice.Key.Code}' version {twice.Key.Version} is embedded twice.");
        return [.. loaded.OrderBy(q => q.Code, StringComparer.Ordinal).ThenBy(q => q.Version)];
    }
}
