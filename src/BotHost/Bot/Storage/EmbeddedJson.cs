using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// A string property that holds a JSON document of its own (the engine's progress), stored in the bot state as that
/// JSON — once — rather than as a string of escaped JSON inside the state's JSON. Reads accept both, so state written
/// before is still read. One converter for each serializer the state meets: System.Text.Json writes it
/// (<see cref="StateJson"/>), Newtonsoft reads it back (Bot Builder's <c>BotState</c> converts values with it).
/// </summary>
public sealed class EmbeddedJsonConverter : System.Text.Json.Serialization.JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
            return reader.GetString();
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(value, skipInputValidation: false);
    }
}

/// <summary>The Newtonsoft side of <see cref="EmbeddedJsonConverter"/>.</summary>
public sealed class EmbeddedJsonNewtonsoftConverter : Newtonsoft.Json.JsonConverter<string?>
{
    public override string? ReadJson(Newtonsoft.Json.JsonReader reader, Type objectType, string? existingValue, bool hasExistingValue, Newtonsoft.Json.JsonSerializer serializer)
    {
        var token = JToken.Load(reader);
        return token.Type switch
        {
            JTokenType.Null or JTokenType.Undefined => null,
            JTokenType.String => (string?)token,
            _ => token.ToString(Newtonsoft.Json.Formatting.None),
        };
    }

    public override void WriteJson(Newtonsoft.Json.JsonWriter writer, string? value, Newtonsoft.Json.JsonSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
            writer.WriteNull();
        else
            writer.WriteRawValue(value);
    }
}
