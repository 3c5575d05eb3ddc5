using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// The types <see cref="PostgresStorage"/> may create when it reads, each under a stable name of your choosing that is
/// stored next to the document. This allow-list replaces Newtonsoft's <c>TypeNameHandling.All</c>, which would let a
/// document name any CLR type. A value of an unregistered type is stored untyped and reads back as a
/// <see cref="StoreItemDictionary"/>.
/// </summary>
/// <remarks>Immutable: <see cref="Add{T}"/> returns a new map. Never rename or drop a name that rows still carry.</remarks>
public sealed class StorageTypeMap
{
    private readonly ImmutableDictionary<string, Type> _types;
    private readonly ImmutableDictionary<Type, string> _names;

    private StorageTypeMap(ImmutableDictionary<string, Type> types, ImmutableDictionary<Type, string> names)
    {
        _types = types;
        _names = names;
    }

    public static StorageTypeMap Empty { get; } = new(
        ImmutableDictionary.Create<string, Type>(StringComparer.Ordinal), ImmutableDictionary<Type, string>.Empty);

    /// <summary>Allows <typeparamref name="T"/> (exactly that type, not subclasses) under <paramref name="name"/>.</summary>
    public StorageTypeMap Add<T>(string name)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim() != name)
            throw new ArgumentException($"The storage type name '{name}' must be non-empty without surrounding spaces.", nameof(name));
        if (typeof(IDictionary<string, object>).IsAssignableFrom(typeof(T)) || typeof(Newtonsoft.Json.Linq.JToken).IsAssignableFrom(typeof(T)))
            throw new ArgumentException($"{typeof(T)} cannot be registered: dictionaries and JSON tokens are stored untyped.", nameof(name));
        if (_types.TryGetValue(name, out var existing))
            throw new ArgumentException($"The storage type name '{name}' is already used by {existing}.", nameof(name));
        if (_names.TryGetValue(typeof(T), out var existingName))
            throw new ArgumentException($"{typeof(T)} is already registered as '{existingName}'.", nameof(name));
        return new StorageTypeMap(_types.Add(name, typeof(T)), _names.Add(typeof(T), name));
    }

    internal bool TryGetType(string name, [NotNullWhen(true)] out Type? type) => _types.TryGetValue(name, out type);

    internal string? NameOf(Type type) => _names.GetValueOrDefault(type);
}
