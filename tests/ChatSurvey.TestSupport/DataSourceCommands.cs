using Npgsql;

namespace ChatSurvey.TestSupport;

/// <summary>One-line SQL for tests that seed or inspect rows directly: positional parameters ($1, $2, …) in order.</summary>
public static class DataSourceCommands
{
    public static async Task<T> ScalarAsync<T>(
        this NpgsqlDataSource dataSource, string sql, IReadOnlyList<object> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, sql, parameters);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<int> ExecuteAsync(
        this NpgsqlDataSource dataSource, string sql, IReadOnlyList<object> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(dataSource, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, IReadOnlyList<object> parameters)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return command;
    }
}
