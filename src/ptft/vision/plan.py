"""The vision rows of `ptft plan`: ResNet pretraining and fine-tuning jobs."""

from ptft.plan import device_of, row
from ptft.vision import runs as vr
from ptft.vision.data import TRAIN_PER_CLASS

# Side in pixels of each dataset's images, and its PT classes.
IMAGE_SIZE = {"cifar100": 32, "svhn": 32, "mnist": 28}
PT_CLASSES = {"cifar100": 98, "svhn": 8, "mnist": 8}
# Parameters × fp32: one checkpoint. Kept on disk: one per PT run (in its PT job's model.pt); FT keeps tables only. A
# running job's work checkpoint (with the optimiser state: 2×) is deleted when it finishes, so it counts in no total.
RESNET18_BYTES = 11.2e6 * 4


def rows(cfg: dict, u: dict) -> list[dict]:
    v, overhead = u["vision"], u["job_overhead_s"] + u["job_fixed_s"]["vision"]
    device = device_of(cfg)
    pt, ft = vr.pt_table(cfg), vr.ft_table(cfg)
    synthetic = cfg["synthetic"]

    def sec_per_image(dataset):
        real = cfg["datasets"][dataset]["source"] != "synthetic"
        size = IMAGE_SIZE[dataset] if real else synthetic["image_size"]
        return v["s_per_image_epoch"][device][28 if size <= 28 else 32] * (size / (28 if size <= 28 else 32)) ** 2

    def pt_images(dataset):
        per_class = TRAIN_PER_CLASS[dataset].mean - cfg["datasets"][dataset].get("test_per_class", 0)
        images = PT_CLASSES[dataset] * per_class
        return min(images, cfg["pt"]["max_images"] or images)

    pt_cost = pt.assign(s=[pt_images(r.dataset) * cfg["pt"]["max_epochs"] * sec_per_image(r.dataset)
                           for r in pt.itertuples()])
    pt_s = overhead + pt_cost.groupby("pt_job")["s"].sum()
    ft_cost = ft.assign(s=[v["s_per_ft_run"][device] + r.n * cfg["ft"]["max_epochs"] * sec_per_image(r.dataset)
                           for r in ft.itertuples()])
    ft_s = overhead + ft_cost.groupby("ft_job")["s"].sum()
    return [row("vision", "vision_pretrain", pt_s, device=device, mem_bytes=4 * RESNET18_BYTES + 2e9,
                 disk_bytes=len(pt) * RESNET18_BYTES, note=f"epochs at most {cfg['pt']['max_epochs']} (the stop "
                                                                "rule may end them sooner)"),
            row("vision", "vision_finetune", ft_s, device=device, mem_bytes=4 * RESNET18_BYTES + 1e9,
                 note=f"{len(ft)} FT runs")]
