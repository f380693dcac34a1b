import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import { columnPicker, rowBuilder } from './feature-catalogue';
import { readModelMetadata, type ModelMetadata } from './model-metadata';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One loaded model. onnxruntime-node's `run` is synchronous native code behind a setImmediate,
 * so a large batch would hold the event loop for its whole duration: batches are split into
 * runs of `maxRowsPerRun` rows with a turn of the event loop between them.
 */
export class OnnxScorer {
  private inFlight = 0;
  private retired = false;
  private released = false;

  /** This model's input row for a transaction, in its metadata's feature order. */
  readonly rowOf: (tx: Transaction, features: Features) => number[];
  /** The same row taken out of the transaction's catalogue row (featureVector). */
  readonly rowFromCatalogue: (catalogueRow: readonly number[]) => number[];
  private readonly width: number;

  private constructor(
    private readonly session: InferenceSession,
    readonly metadata: ModelMetadata,
    private readonly maxRowsPerRun: number,
  ) {
    this.rowOf = rowBuilder(metadata.featureNames);
    this.rowFromCatalogue = columnPicker(metadata.featureNames);
    this.width = metadata.featureNames.length;
  }

  static async load(modelPath: string, options: { intraOpThreads: number; maxRowsPerRun: number }): Promise<OnnxScorer> {
    const metadata = readModelMetadata(modelPath);
    const session = await InferenceSession.create(modelPath, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(metadata.input) || !session.outputNames.includes(metadata.output)) {
      await session.release();
      throw new Error(
        `${modelPath}: expected input "${metadata.input}" and output "${metadata.output}", found [${session.inputNames.join(',')}] -> [${session.outputNames.join(',')}]`,
      );
    }
    const scorer = new OnnxScorer(session, metadata, options.maxRowsPerRun);
    // A model that cannot score one row is refused before it takes traffic.
    const [probe] = await scorer.score([new Array<number>(metadata.featureNames.length).fill(0)]);
    if (probe === undefined || !(probe >= 0 && probe <= 1)) {
      await scorer.retire();
      throw new Error(`${modelPath}: a probe row scored ${String(probe)}, not a probability`);
    }
    return scorer;
  }

  get version(): string {
    return this.metadata.modelVersion;
  }

  /** Fraud probabilities, one per row (rows from rowOf). */
  async score(rows: readonly (readonly number[])[]): Promise<number[]> {
    if (this.released) throw new Error(`model ${this.version} was released`);
    this.inFlight += 1;
    try {
      const scores: number[] = [];
      for (let start = 0; start < rows.length; start += this.maxRowsPerRun) {
        if (start > 0) await yieldToEventLoop();
        const chunk = rows.slice(start, start + this.maxRowsPerRun);
        const data = new Float32Array(chunk.length * this.width);
        chunk.forEach((row, i) => {
          data.set(row, i * this.width);
        });
        const out = await this.session.run({ [this.metadata.input]: new Tensor('float32', data, [chunk.length, this.width]) }, [this.metadata.output]);
        const probabilities = out[this.metadata.output];
        if (probabilities === undefined) throw new Error(`model ${this.version} returned no "${this.metadata.output}"`);
        const values = probabilities.data as Float32Array;
        const columns = values.length / chunk.length;
        for (let i = 0; i < chunk.length; i++) scores.push(values[i * columns + this.metadata.probabilityColumn] ?? Number.NaN);
      }
      return scores;
    } finally {
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) await this.release();
    }
  }

  /**
   * Called when a newer model takes over: the native session is released exactly once, after
   * the last run that started on it (repeated create/release cycles leak in onnxruntime-node,
   * so a session is never released twice or while in use).
   */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.inFlight === 0) await this.release();
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
