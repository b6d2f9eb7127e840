using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace LvmCloud.PlatformBench;

/// <summary>
/// Counts the storage requests the platform sends, by service (table, blob, queue), through an HTTP pipeline policy
/// on every client it builds (per try, so the SDK's own retries count). Receives that come back empty (a worker
/// polling an empty queue) are counted apart: they depend on time, not on items.
/// </summary>
internal sealed class RequestCounter
{
    private long _table, _blob, _queue, _emptyReceives;

    public void Configure(ClientOptions options)
    {
        var service = options switch
        {
            TableClientOptions => Service.Table,
            BlobClientOptions => Service.Blob,
            QueueClientOptions => Service.Queue,
            _ => throw new ArgumentException($"Unknown client options {options.GetType().Name}."),
        };
        options.AddPolicy(new Policy(this, service), HttpPipelinePosition.PerRetry);
    }

    public Counts Snapshot() => new(Interlocked.Read(ref _table), Interlocked.Read(ref _blob), Interlocked.Read(ref _queue), Interlocked.Read(ref _emptyReceives));

    /// <summary>Requests by service; <see cref="EmptyReceives"/> are queue requests too, not counted in <see cref="Queue"/>.</summary>
    public sealed record Counts(long Table, long Blob, long Queue, long EmptyReceives)
    {
        public long Total => Table + Blob + Queue;

        public static Counts operator -(Counts a, Counts b) => new(a.Table - b.Table, a.Blob - b.Blob, a.Queue - b.Queue, a.EmptyReceives - b.EmptyReceives);
    }

    private enum Service { Table, Blob, Queue }

    private sealed class Policy(RequestCounter counter, Service service) : HttpPipelinePolicy
    {
        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Count(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Count(message);
        }

        private void Count(HttpMessage message)
        {
            switch (service)
            {
                case Service.Table: Interlocked.Increment(ref counter._table); break;
                case Service.Blob: Interlocked.Increment(ref counter._blob); break;
                case Service.Queue when IsEmptyReceive(message): Interlocked.Increment(ref counter._emptyReceives); break;
                case Service.Queue: Interlocked.Increment(ref counter._queue); break;
            }
        }

        private static bool IsEmptyReceive(HttpMessage message) =>
            message.Request.Method == RequestMethod.Get
            && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal)
            && message.HasResponse
            && message.Response.Content.ToString().Contains("<QueueMessagesList />", StringComparison.Ordinal);
    }
}
