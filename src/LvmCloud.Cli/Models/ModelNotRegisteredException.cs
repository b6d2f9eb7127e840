namespace LvmCloud.Cli.Models;

/// <summary>The model asked for has no <c>lvm.json</c> in the <c>models</c> container: never registered, or its push or run has not finished.</summary>
public sealed class ModelNotRegisteredException(string message) : Exception(message);
