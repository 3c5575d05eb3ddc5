namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>The Hangfire queues, in the order a worker serves them.</summary>
public static class JobQueues
{
    public const string Import = "import";
    public const string Send = "send";
    public const string Default = "default";

    public static readonly string[] All = [Import, Send, Default];
}
