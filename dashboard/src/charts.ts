/**
 * Time charts with uPlot: small (≈ 50 KB minified), canvas-drawn and fast enough to redraw every
 * few seconds with a day of minutes. They plot counts and rates, never money amounts.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TimePoint {
  /** Bucket start, epoch seconds. */
  t: number;
  events: number;
  completed: number;
  failed: number;
}

const COLORS = { events: '#94a3b8', completed: '#0f9d58', failed: '#d93025', rate: '#4f46e5' };

function size(el: HTMLElement) {
  return { width: Math.max(280, el.clientWidth), height: 220 };
}

function timeAxis(minutes: boolean): uPlot.Axis {
  return {
    stroke: '#5f6780',
    grid: { stroke: '#eef0f6' },
    ticks: { stroke: '#e3e6ef' },
    values: (_u, splits) =>
      splits.map((s) => new Date(s * 1000).toLocaleTimeString([], minutes ? { hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit', day: undefined })),
  };
}

const valueAxis = (label: (v: number) => string): uPlot.Axis => ({
  stroke: '#5f6780',
  grid: { stroke: '#eef0f6' },
  ticks: { stroke: '#e3e6ef' },
  size: 48,
  values: (_u, splits) => splits.map(label),
});

/** A chart that keeps its uPlot instance and follows its container's width. */
abstract class TimeChart {
  protected plot: uPlot | undefined;
  private readonly observer: ResizeObserver;
  constructor(protected readonly el: HTMLElement) {
    this.observer = new ResizeObserver(() => this.plot?.setSize(size(this.el)));
    this.observer.observe(el);
  }
  protected abstract options(minutes: boolean): Omit<uPlot.Options, 'width' | 'height'>;
  protected abstract columns(points: TimePoint[]): uPlot.AlignedData;
  private minutes: boolean | undefined;
  update(points: TimePoint[], minutes: boolean) {
    const data = this.columns(points);
    if (!this.plot || this.minutes !== minutes) {
      this.plot?.destroy();
      this.minutes = minutes;
      this.plot = new uPlot({ ...size(this.el), ...this.options(minutes) }, data, this.el);
    } else {
      this.plot.setData(data);
    }
  }
  destroy() {
    this.observer.disconnect();
    this.plot?.destroy();
  }
}

/** Events per bucket: completed and failed as bars, all events as a line. */
export class VolumeChart extends TimeChart {
  protected options(minutes: boolean): Omit<uPlot.Options, 'width' | 'height'> {
    const bars = uPlot.paths.bars!({ size: [0.7, 40], gap: 1 });
    return {
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
      axes: [timeAxis(minutes), valueAxis((v) => String(Math.round(v)))],
      series: [
        {},
        { label: 'Completed', stroke: COLORS.completed, fill: 'rgba(15,157,88,0.55)', paths: bars, points: { show: false } },
        { label: 'Failed', stroke: COLORS.failed, fill: 'rgba(217,48,37,0.6)', paths: bars, points: { show: false } },
        { label: 'All events', stroke: COLORS.events, width: 1.5, points: { show: false } },
      ],
    };
  }
  protected columns(points: TimePoint[]): uPlot.AlignedData {
    return [points.map((p) => p.t), points.map((p) => p.completed), points.map((p) => p.failed), points.map((p) => p.events)];
  }
}

/** Completed / (completed + failed) per bucket, in percent; no point where neither happened. */
export class SuccessRateChart extends TimeChart {
  protected options(minutes: boolean): Omit<uPlot.Options, 'width' | 'height'> {
    return {
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [timeAxis(minutes), valueAxis((v) => `${Math.round(v)}%`)],
      series: [{}, { label: 'Success rate', stroke: COLORS.rate, width: 2, fill: 'rgba(79,70,229,0.08)', spanGaps: true, points: { show: true, size: 5 } }],
    };
  }
  protected columns(points: TimePoint[]): uPlot.AlignedData {
    return [points.map((p) => p.t), points.map((p) => (p.completed + p.failed === 0 ? null : (100 * p.completed) / (p.completed + p.failed)))];
  }
}
