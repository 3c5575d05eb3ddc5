using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>A questionnaire version as stored: <see cref="Id"/> is <c>questionnaires.id</c>, which waves, conversations and responses reference.</summary>
public sealed record StoredQuestionnaire(long Id, Questionnaire Definition, DateTimeOffset CreatedAt);

/// <summary>One row of <see cref="QuestionnaireStore.ListAsync"/>.</summary>
public sealed record QuestionnaireSummary(long Id, string Code, int Version, string Title, DateTimeOffset CreatedAt);

/// <summary>A new version was refused because that (code, version) is already stored; versions are never overwritten.</summary>
public sealed class QuestionnaireVersionConflictException : Exception
{
    public QuestionnaireVersionConflictException()
    {
        Code = "";
    }

    public QuestionnaireVersionConflictException(string message)
        : base(message)
    {
        Code = "";
    }

    public QuestionnaireVersionConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "";
    }

    public QuestionnaireVersionConflictException(string code, int version, int latestVersion)
        : base($"Questionnaire '{code}' version {version} already exists and versions are never overwritten; "
            + $"give the new definition version {latestVersion + 1} (the latest is {latestVersion}).")
    {
        Code = code;
        Version = version;
        LatestVersion = latestVersion;
    }

    public string Code { get; }

    public int Version { get; }

    public int LatestVersion { get; }
}

/// <summary>
/// Questionnaire versions in the <c>questionnaires</c> table. A (code, version) is written once and never changed,
/// so old waves keep the wording they were run with; a change is a new version. Definitions are validated before
/// they are stored and read back without re-validation (rules may tighten later; stored versions stay readable).
/// </summary>
public sealed class QuestionnaireStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Inserts each embedded default (<see cref="QuestionnaireCatalogue.Defaults"/>) whose (code, version) is not
    /// stored yet; returns how many were added. Idempotent and safe under concurrent starts (ON CONFLICT DO NOTHING);
    /// never overwrites a stored version, so changing a default means shipping it with a higher version.
    /// </summary>
    public static async Task<int> EnsureDefaultsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = 0;
        foreach (var questionnaire in QuestionnaireCatalogue.Defaults)
        {
            await using var insert = InsertCommand(questionnaire, connection, transaction);
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                added++;
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>The given version of <paramref name="code"/>, or its latest (highest) version when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<StoredQuestionnaire?> GetAsync(string code, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, definition, created_at
            FROM questionnaires
            WHERE code = $1 AND ($2::integer IS NULL OR version = $2)
            ORDER BY version DESC
            LIMIT 1
            """);
        command.Parameters.AddWithValue(code);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)version ?? DBNull.Value });
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>The version stored under <c>questionnaires.id</c> = <paramref name="id"/>; null when there is none.</summary>
    public async Task<StoredQuestionnaire?> GetByIdAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, definition, created_at
            FROM questionnaires
            WHERE id = $1
            """);
        command.Parameters.AddWithValue(id);
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>Validates <paramref name="json"/> and stores it as a new version.</summary>
    /// <exception cref="QuestionnaireValidationException">When the definition breaks a rule; nothing is stored.</exception>
    /// <exception cref="QuestionnaireVersionConflictException">When its (code, version) is already stored; nothing is changed.</exception>
    public async Task<StoredQuestionnaire> AddVersionAsync(string json, CancellationToken cancellationToken = default)
    {
        var questionnaire = QuestionnaireCatalogue.Parse(json);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var insert = InsertCommand(questionnaire, connection, null))
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
                return new StoredQuestionnaire(reader.GetInt64(0), questionnaire, reader.GetFieldValue<DateTimeOffset>(1));
        }

        await using var latest = new NpgsqlCommand("SELECT max(version) FROM questionnaires WHERE code = $1", connection);
        latest.Parameters.AddWithValue(questionnaire.Code);
        var latestVersion = await latest.ExecuteScalarAsync(cancellationToken) is int v ? v : questionnaire.Version;
        throw new QuestionnaireVersionConflictException(questionnaire.Code, questionnaire.Version, latestVersion);
    }

    /// <summary>Every stored version, by code, then version.</summary>
    public async Task<IReadOnlyList<QuestionnaireSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, code, version, title, created_at
            FROM questionnaires
            ORDER BY code, version
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<QuestionnaireSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new QuestionnaireSummary(
                reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return rows;
    }

    private static NpgsqlCommand InsertCommand(Questionnaire questionnaire, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var command = new NpgsqlCommand(
            """
            INSERT INTO questionnaires (code, version, title, definition)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (code, version) DO NOTHING
            RETURNING id, created_at
            """, connection, transaction);
        command.Parameters.AddWithValue(questionnaire.Code);
        command.Parameters.AddWithValue(questionnaire.Version);
        command.Parameters.AddWithValue(questionnaire.Title);
        command.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Jsonb,
            Value = QuestionnaireCatalogue.Serialize(questionnaire),
        });
        return command;
    }

    private static async Task<StoredQuestionnaire?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new StoredQuestionnaire(
            reader.GetInt64(0), QuestionnaireCatalogue.Deserialize(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2));
    }
}
