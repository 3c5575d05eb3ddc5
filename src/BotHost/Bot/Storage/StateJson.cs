using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Bot.Builder;
using Newtonsoft.Json.Linq;
using NewtonsoftFormatting = Newtonsoft.Json.Formatting;
using NewtonsoftReader = Newtonsoft.Json.JsonTextReader;
using StjSerializer = System.Text.Json.JsonSerializer;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// The <c>bot_state.document</c> format: <c>{"version":1,"type":"name","value":…}</c>, where <c>type</c> is a
/// <see cref="StorageTypeMap"/> name (absent for untyped values). Values are written with System.Text.Json and
/// never carry CLR type names. Untyped values are read with Newtonsoft's <c>JToken</c>, because that is what
/// Bot Builder's <c>BotState</c> converts property values from (<c>JObject.ToObject&lt;T&gt;()</c>).
/// </summary>
internal static class StateJson
{
    public const int Version = 1;

    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static string Encode(object value, string? typeName)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            if (typeName is not null)
                writer.WriteString("type", typeName);
            writer.WritePropertyName("value");
            StjSerializer.Serialize(writer, value, value.GetType(), Options);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static object? Decode(string? typeName, string valueJson, StorageTypeMap types)
    {
        if (typeName is null)
            return FromToken(ParseToken(valueJson));
        if (!types.TryGetType(typeName, out var type))
            throw new InvalidOperationException(
                $"A bot_state document has type '{typeName}', which is not in the StorageTypeMap given to PostgresStorage.");
        return StjSerializer.Deserialize(valueJson, type, Options);
    }

    /// <summary>Parses JSON as Newtonsoft tokens, keeping date-like strings as strings.</summary>
    public static JToken ParseToken(string json)
    {
        using var reader = new NewtonsoftReader(new StringReader(json)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
        return JToken.ReadFrom(reader);
    }

    // The same shapes JObject.ToObject<IDictionary<string, object>>() gives BotState.LoadAsync from a Newtonsoft store.
    private static object? FromToken(JToken token) => token switch
    {
        JObject obj => ToDictionary(obj),
        JValue value => value.Value,
        _ => token,
    };

    private static StoreItemDictionary ToDictionary(JObject obj)
    {
        var dictionary = new StoreItemDictionary();
        foreach (var property in obj.Properties())
            dictionary[property.Name] = property.Value is JValue value ? value.Value : property.Value;
        return dictionary;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitStoreItemETag } },
            Converters = { new JsonStringEnumConverter(), new JTokenConverterFactory() },
        };
        options.MakeReadOnly();
        return options;
    }

    // The row's etag column is the ETag; a copy inside the document would only go stale. The property stays in the
    // contract so that a constructor parameter named ETag still binds.
    private static void OmitStoreItemETag(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || !typeof(IStoreItem).IsAssignableFrom(typeInfo.Type))
            return;
        foreach (var property in typeInfo.Properties)
        {
            if (property.AttributeProvider is PropertyInfo { Name: nameof(IStoreItem.ETag) })
                property.ShouldSerialize = static (_, _) => false;
        }
    }

    /// <summary>
    /// Writes Newtonsoft tokens as the JSON they hold. BotState's dictionary keeps the <c>JObject</c> of every property
    /// the turn did not set, and System.Text.Json would otherwise serialise a token as a collection of tokens.
    /// </summary>
    private sealed class JTokenConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) => typeof(JToken).IsAssignableFrom(typeToConvert);

        public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter?)Activator.CreateInstance(typeof(JTokenConverter<>).MakeGenericType(typeToConvert));
    }

    private sealed class JTokenConverter<T> : JsonConverter<T>
        where T : JToken
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return ParseToken(document.RootElement.GetRawText()) as T
                ?? throw new JsonException($"The JSON value cannot be read as {typeof(T).Name}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.ToString(NewtonsoftFormatting.None));
    }
}
