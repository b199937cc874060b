"""Synthetic demo profiles and postings for the 12 league-cities of Inner Mongolia.

Deterministic by seed (each call builds its own ``random.Random``), realistic enough to
exercise matching, bulletins and incentives: skilled trades of the region's industries with
real CSCO 2022 codes (duties paraphrase the classification's task texts), grades weighted
toward 高级/中级, wages by grade, certificates that fit the trade (some lapsed, some missing),
key projects in the configured remote counties. Every person, enterprise, phone number
(138xxxxxxxx), e-mail address (example.cn) and certificate number is fictional, and no record
carries age, gender, ethnicity, marital status or household registration.

    python -m matcher.demo.generate --profiles 1000 --postings 400 --seed 7 --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from matcher.taxonomy.regions import RegionCatalog

T = TypeVar("T")

# fmt: off
# League-city code: short name (for enterprise names) and weight in the data set.
CITIES: dict[str, tuple[str, int]] = {
    "150100": ("呼和浩特", 14), "150200": ("包头", 14), "150300": ("乌海", 5),
    "150400": ("赤峰", 11), "150500": ("通辽", 8), "150600": ("鄂尔多斯", 13),
    "150700": ("呼伦贝尔", 8), "150800": ("巴彦淖尔", 6), "150900": ("乌兰察布", 7),
    "152200": ("兴安盟", 4), "152500": ("锡林郭勒", 6), "152900": ("阿拉善", 4),
}
# fmt: on
SO, SE, OTHER = "special_operation", "special_equipment", "other"
PERMIT_TYPES = {"SO": SO, "SE": SE, "OTHER": OTHER}
PERMIT_SUFFIX = {SO: "特种作业操作证", SE: "特种设备作业人员证", OTHER: ""}

# One entry per trade. cities: league-cities with that industry (ALL: every city); group:
# the employers' line of business (none: every plant hires them); permits: certificates the
# law requires for the work, one per slot, the slot's alternatives separated by "/".
TRADES_YAML = """
- {code: 6-16-01-05, name: 井下采矿工, industry: 能源, group: 煤炭, weight: 1.5,
   cities: 150200 150300 150400 150600, titles: 井下采矿工 综采工, specs: 综采工作面 掘进,
   work: 从事煤矿井下综采作业, permits: [SO 煤矿采煤机操作作业],
   skills: 采煤机操作 液压支架操作 刮板输送机推移 放顶煤作业 顶板管理 采煤工作面设备点检,
   duties: 操作采煤机与液压支架完成割煤推溜 维护工作面移动变电站与开关 按作业规程处理顶板与片帮
     记录生产数据与设备故障}
- {code: 6-16-01-01, name: 露天采矿工, industry: 能源, group: 煤炭, weight: 1.0,
   cities: 150300 150500 150600 150700 152500, titles: 露天采矿工 穿孔工 电铲司机,
   specs: 露天煤矿 剥离, work: 从事露天煤矿穿孔与采剥作业, permits: [],
   skills: 牙轮钻机操作 电铲操作 边坡清理 穿爆作业图识读 设备润滑保养,
   duties: 按穿爆图表穿孔并清理孔渣 操作电铲剥离土岩与采装 修整采场平台与边坡 维护保养采剥设备}
- {code: 6-16-01-11, name: 矿山安全设备监测检修工, industry: 能源, group: 煤炭, weight: 0.8,
   cities: 150300 150600 150700 152500, titles: 安全监控工 矿山安全设备检修工,
   specs: 安全监控系统 瓦斯监测, work: 从事煤矿安全监控系统的安装与检修,
   permits: [SO 煤矿安全监测监控作业],
   skills: 安全监控系统调校 瓦斯传感器校验 自救器检查 监控网络维护 报警原因分析,
   duties: 安装调校井下安全监控系统 校验瓦斯与一氧化碳传感器 分析监控系统故障与报警
     填写监控运行日志}
- {code: 6-28-01-12, name: 风力发电运维值班员, industry: 能源, group: 新能源, weight: 2.0,
   cities: 150100 150200 150400 150500 150800 150900 152200 152500 152900,
   titles: 风电场运维员 风电运维值班员 风机检修工, specs: 风电场 升压站 风机检修,
   work: 从事风电场运行维护, permits: [SO 高压电工作业, SO 高处安装、维护、拆除作业],
   skills: 风机巡检 变桨系统检修 齿轮箱油样分析 升压站倒闸操作 SCADA监控 风机定检 登塔作业,
   duties: 巡视监控风机与升压站运行工况 执行调度命令进行倒闸操作 开展风机定检与故障处理
     统计分析风电场运行数据}
- {code: 6-28-01-10, name: 光伏发电运维值班员, industry: 能源, group: 新能源, weight: 1.2,
   cities: 150100 150300 150600 150800 150900 152900, titles: 光伏电站运维员 光伏运维值班员,
   specs: 光伏电站 光伏治沙, work: 从事光伏电站运行维护, permits: [SO 低压电工作业],
   skills: 光伏组件巡检 逆变器故障处理 汇流箱检修 红外热成像检测 箱变运行维护,
   duties: 巡视监控光伏阵列与逆变器 处理组串与逆变器故障 执行调度命令进行倒闸操作
     统计分析发电量与设备缺陷}
- {code: 6-28-01-14, name: 变配电运行值班员, industry: 能源, group: 电力, weight: 1.2, cities: ALL,
   titles: 变电运维值班员 变配电值班员, specs: 110千伏变电站 220千伏变电站 配电室,
   work: 从事变电站运行值班, permits: [SO 高压电工作业],
   skills: 倒闸操作 变电设备巡视 设备异常分析 两票三制 直流系统维护,
   duties: 巡视监视变电站设备运行 执行调度命令进行倒闸操作 分析上报设备异常并处理
     验收新投运与检修后设备}
- {code: 6-28-01-15, name: 继电保护员, industry: 能源, group: 电力, weight: 0.7, cities: ALL,
   titles: 继电保护员 继保调试员, specs: 变电站 发电厂, work: 从事继电保护装置调试与校验,
   permits: [SO 继电保护作业],
   skills: 微机保护调试 保护定值校核 二次回路检查 故障录波分析 保护装置校验,
   duties: 安装调试线路与变压器保护装置 校验继电保护及自动装置 消除保护装置缺陷 整理调试与校验报告}
- {code: 6-29-02-12, name: 送配电线路工, industry: 能源, group: 电力, weight: 1.0, cities: ALL,
   titles: 送配电线路工 线路检修工, specs: 特高压线路 220千伏线路 配电网,
   work: 从事输配电线路架设与检修, permits: [SO 高压电工作业, SO 登高架设作业],
   skills: 杆塔组立 导线架设 带电作业 线路巡视 红外测温 无人机巡检,
   duties: 组立杆塔并架设导线与附件 巡视检修架空线路并消缺 开展带电检测与带电作业
     填写线路运行与缺陷记录}
- {code: 6-28-01-11, name: 锅炉操作工, industry: 能源, group: 热力, weight: 1.2, cities: ALL,
   titles: 锅炉操作工 司炉工 锅炉运行工, specs: 供热站 电厂锅炉 蒸汽锅炉,
   work: 从事工业锅炉运行操作, permits: [SE 工业锅炉司炉（G1）],
   skills: 锅炉启停 燃烧调整 水质化验 排污操作 锅炉附属设备维护,
   duties: 启停并监控锅炉运行 调整燃烧与给水 巡检处理设备异常 处理锅炉水质并记录运行数据}
- {code: 6-31-01-03, name: 电工, industry: 能源, group: null, weight: 3.0, cities: ALL,
   titles: 电工 维修电工 厂矿电工, specs: 高压 低压配电 设备维修,
   work: 从事工厂设备电气安装与维修, permits: [SO 低压电工作业/SO 高压电工作业],
   skills: 电气线路敷设 PLC维护 电机检修 变频器调试 电气图纸识读 配电柜安装,
   duties: 安装调试维护电气设备 架设接通配电线路与电缆 检修电气设备并更换缺陷部件
     维护保养电工工具与仪表}
- {code: 6-17-02-02, name: 炼钢工, industry: 冶金, group: 钢铁, weight: 1.2,
   cities: 150200 150400, titles: 炼钢工 转炉炼钢工 精炼工, specs: 转炉 电炉 LF精炼,
   work: 从事转炉炼钢与炉外精炼, permits: [],
   skills: 转炉吹炼控制 钢水测温取样 合金配加 炉外精炼 炉体维护,
   duties: 按工艺装入铁水与废钢 控制氧枪与吹炼过程 测温取样并调整成分 操作精炼设备处理钢水}
- {code: 6-17-01-06, name: 高炉炼铁工, industry: 冶金, group: 钢铁, weight: 0.8, cities: '150200',
   titles: 高炉炼铁工 炉前工 高炉工长, specs: 高炉 炉前, work: 从事高炉炼铁与炉前操作,
   permits: [SO 煤气作业], skills: 炉况判断 出铁出渣 泥炮操作 风口更换 铁沟维护,
   duties: 监控高炉并调整炉况 操作开口机与泥炮出铁 修复渣铁沟与风口 维护保养炉前设备}
- {code: 6-17-09-02, name: 金属轧制工, industry: 冶金, group: 钢铁, weight: 0.8,
   cities: 150100 150200 150500, titles: 轧钢工 轧制工 铝板带轧制工, specs: 热轧 冷轧 铝板带,
   work: 从事板带轧制生产, permits: [], skills: 轧机操作 辊缝调整 板形控制 换辊作业 控冷工艺,
   duties: 核对轧制计划并送坯 调整压下量控制板形 组装更换轧辊与导卫 处理轧废并取样检验}
- {code: 6-17-06-02, name: 铝电解工, industry: 冶金, group: 铝业, weight: 1.2,
   cities: 150200 150500, titles: 铝电解工 电解操作工, specs: 电解槽 阳极组装 铸造,
   work: 从事铝电解生产, permits: [], skills: 换阳极作业 出铝操作 槽控机操作 电解质测温 电解槽修砌,
   duties: 操作多功能机组更换阳极 操作槽控机调整参数 出铝并移注铝液 测量电解质温度与阳极电流}
- {code: 6-17-07-04, name: 稀土冶炼工, industry: 冶金, group: 稀土, weight: 1.2, cities: '150200',
   titles: 稀土冶炼工 萃取工 稀土电解工, specs: 萃取分离 熔盐电解 焙烧,
   work: 从事稀土萃取分离与冶炼, permits: [],
   skills: 萃取槽操作 熔盐电解 回转窑焙烧 尾气处理 稀土氧化物煅烧,
   duties: 操作萃取设备分离稀土元素 操作熔盐电解槽制备稀土金属 处理焙烧尾气与废液
     维护保养设备并记录数据}
- {code: 6-17-07-05, name: 稀土材料生产工, industry: 冶金, group: 稀土, weight: 0.8,
   cities: 150100 150200, titles: 稀土永磁材料工 磁材生产工, specs: 钕铁硼 抛光粉,
   work: 从事稀土永磁材料生产, permits: [],
   skills: 速凝炉操作 氢碎制粉 烧结热处理 充磁检测 抛光粉制备,
   duties: 操作速凝炉与氢碎炉制粉 压型烧结并热处理 加工检测永磁材料 维护保养生产设备}
- {code: 6-17-04-02, name: 铁合金火法冶炼工, industry: 冶金, group: 硅材料, weight: 1.0,
   cities: 150300 150600 150900, titles: 铁合金冶炼工 矿热炉工 硅铁冶炼工,
   specs: 硅铁 硅锰 矿热炉, work: 从事矿热炉铁合金冶炼, permits: [SO 煤气作业],
   skills: 矿热炉操作 出铁口开堵 配料计算 电极压放 炉况判断,
   duties: 监控炉料与冶炼参数 开堵出铁口出铁排渣 浇铸精整铁合金 维护保养冶炼设备}
- {code: 6-17-08-02, name: 多晶硅制取工, industry: 冶金, group: 硅材料, weight: 0.9,
   cities: 150100 150200 150300, titles: 多晶硅生产工 还原工 精馏工, specs: 还原炉 精馏 冷氢化,
   work: 从事多晶硅还原与精馏生产, permits: [SO 氯化工艺作业],
   skills: 还原炉操作 氯硅烷精馏 尾气回收 冷氢化 电学参数检测,
   duties: 操作还原炉沉积多晶硅 操作精馏塔分离氯硅烷 处理还原尾气 破碎分拣包装多晶硅}
- {code: 6-11-01-03, name: 化工总控工, industry: 化工, group: 化工, weight: 2.0,
   cities: 150300 150600 150700 152900, titles: 化工总控工 DCS操作工 化工内操,
   specs: 煤制甲醇 PVC 合成氨 DCS, work: 从事化工装置DCS操作,
   permits: [SO 氯碱电解工艺作业/SO 合成氨工艺作业/SO 加氢工艺作业],
   skills: DCS操作 开停车 工艺参数调整 异常工况处置 物料衡算,
   duties: 操作DCS进行装置开停车 调节控制工艺参数 配合外操处理异常 核定物料与能量平衡}
- {code: 6-10-03-02, name: 煤制油生产工, industry: 化工, group: 化工, weight: 1.0, cities: '150600',
   titles: 煤制油操作工 煤液化操作工, specs: 煤直接液化 费托合成 加氢精制,
   work: 从事煤制油装置操作, permits: [SO 加氢工艺作业],
   skills: 煤液化反应器操作 加氢精制 费托合成 循环气压缩机操作 产品分离,
   duties: 操作液化反应器与加热炉 控制合成反应温度压力 精制分离液化油 巡检处理装置异常}
- {code: 6-10-03-01, name: 煤制烯烃生产工, industry: 化工, group: 化工, weight: 0.9,
   cities: 150200 150600, titles: 煤制烯烃操作工 MTO操作工 聚丙烯操作工,
   specs: 甲醇制烯烃 聚乙烯 气化, work: 从事煤制烯烃装置操作, permits: [SO 聚合工艺作业],
   skills: 水煤浆气化 甲醇合成 MTO反应控制 烯烃分离 聚合造粒,
   duties: 控制气化炉温度压力与氧煤比 操作甲醇合成与精馏 操作MTO反应与烯烃分离 巡检处理装置异常}
- {code: 6-10-03-03, name: 煤制气工, industry: 化工, group: 化工, weight: 0.6,
   cities: 150400 150600 152500, titles: 煤制气操作工 气化操作工, specs: 碎煤加压气化 甲烷化,
   work: 从事煤制天然气装置操作, permits: [],
   skills: 气化炉操作 煤气净化 甲烷合成 防爆防静电 工艺参数调整,
   duties: 操作气化炉与净化装置 操作甲烷合成装置 调节温度压力流量 巡检处理生产异常}
- {code: 6-10-02-02, name: 炼焦工, industry: 化工, group: 化工, weight: 0.8,
   cities: 150200 150300 152900, titles: 炼焦工 焦炉调火工 推焦车司机, specs: 焦炉 干熄焦 煤气净化,
   work: 从事焦炉生产操作, permits: [SO 煤气作业],
   skills: 装煤推焦 焦炉测温调火 干熄焦操作 荒煤气导出 炉门维修,
   duties: 操作装煤车与推焦车 测调焦炉温度 操作干熄焦回收热能 清扫维护上升管与炉门}
- {code: 6-31-03-01, name: 化学检验员, industry: 化工, group: 化工, weight: 0.8,
   cities: 150100 150200 150300 150600 152900, titles: 化验员 化学检验员 质检化验员,
   specs: 煤质化验 化工产品 水质分析, work: 从事化工与煤质化验, permits: [],
   skills: 煤质工业分析 气相色谱 滴定分析 标准溶液配制 检验数据处理,
   duties: 采集预处理样品 配制标准溶液与试剂 操作色谱与光谱仪器分析 记录计算并判定检验数据}
- {code: 6-18-02-04, name: 焊工, industry: 装备制造, group: null, weight: 3.0, cities: ALL,
   titles: 焊工 电焊工 氩弧焊工 管道焊工, specs: 压力容器 管道 钢结构 锅炉 不锈钢,
   work: 从事压力容器与管道焊接, permits: [SO 熔化焊接与热切割作业],
   skills: 手工电弧焊 氩弧焊 二氧化碳气体保护焊 埋弧焊 焊缝外观检验 焊接工艺卡识读,
   duties: 按焊接工艺卡设定参数并施焊 组对构件并烘焙焊材 清理焊缝并检查外观质量 维护保养焊接设备}
- {code: 6-18-01-01, name: 车工, industry: 装备制造, group: 装备, weight: 1.0,
   cities: 150100 150200 150400 150500 150600, titles: 车工 数控车工,
   specs: 数控车床 轴类零件 大型工件, work: 从事普通与数控车床加工, permits: [],
   skills: 数控车床编程 刀具刃磨 螺纹加工 精度检测 工装夹具调整,
   duties: 装夹找正工件并调整车床 编制调试数控程序 车削内外圆与螺纹 检验精度并分析误差}
- {code: 6-18-01-02, name: 铣工, industry: 装备制造, group: 装备, weight: 0.6,
   cities: 150100 150200 150400, titles: 铣工 数控铣工, specs: 数控铣床 箱体零件,
   work: 从事数控铣削加工, permits: [], skills: 数控铣床编程 型面铣削 刀具选用 精度检测,
   duties: 装夹工件并调整铣床 铣削平面沟槽与曲面 检验精度并分析误差 维护保养机床}
- {code: 6-18-01-07, name: 多工序数控机床操作调整工, industry: 装备制造, group: 装备, weight: 0.7,
   cities: 150100 150200 150600, titles: 加工中心操作工 数控机床操作调整工,
   specs: 五轴加工中心 数控生产线, work: 从事加工中心操作与调整, permits: [],
   skills: 加工中心操作 五轴编程 程序校验 首件试切 在线检测,
   duties: 装夹工件并调整设备 校验程序并试切 完成多工序切削加工 检验精度并维护设备}
- {code: 6-31-01-02, name: 机修钳工, industry: 装备制造, group: null, weight: 2.0, cities: ALL,
   titles: 机修钳工 设备维修钳工 钳工, specs: 设备维修 液压系统 大型设备安装,
   work: 从事机械设备维修, permits: [],
   skills: 设备拆装 液压系统维修 轴承更换 设备精度调整 故障诊断 润滑管理,
   duties: 安装调试新设备 修理机械液压与气动故障 更换修复磨损零部件 现场巡检排除故障}
- {code: 6-20-01-01, name: 装配钳工, industry: 装备制造, group: 装备, weight: 0.8,
   cities: 150100 150200 150600 150900, titles: 装配钳工 总装钳工,
   specs: 风电装备 矿山机械 重型汽车, work: 从事机械产品装配调试, permits: [],
   skills: 部件装配 总装调试 工装卡具调整 装配精度检测,
   duties: 安装调整工装卡具 装配部件与总成 检测调试整机 维护保养装配设备}
- {code: 6-18-01-11, name: 铆工, industry: 装备制造, group: 装备, weight: 0.6,
   cities: 150100 150200, titles: 铆工 铆焊工, specs: 钢结构 压力容器,
   work: 从事钢结构铆接与装配, permits: [], skills: 放样下料 铆接装配 钣金成形 图纸识读,
   duties: 放样下料并选择配合件 手工与设备铆接 维修铆接件}
- {code: 6-31-01-04, name: 仪器仪表维修工, industry: 装备制造, group: null, weight: 0.9,
   cities: 150100 150200 150300 150600 150700 152900, titles: 仪表工 仪器仪表维修工 自控仪表工,
   specs: DCS 现场仪表 分析仪表, work: 从事工业仪表与自控系统维修,
   permits: [SO 化工自动化控制仪表作业],
   skills: 仪表校验 DCS维护 调节阀检修 联锁回路调试 变送器维修,
   duties: 安装调试检测仪表 维修自控系统与仪表排除故障 校验变送器与调节阀 维护保养检测设备}
- {code: 6-31-07-01, name: 工业机器人系统运维员, industry: 装备制造, group: 装备, weight: 0.5,
   cities: 150100 150200 150600, titles: 工业机器人运维员 机器人调试工,
   specs: 焊接机器人 码垛机器人, work: 从事工业机器人系统运维, permits: [],
   skills: 机器人示教编程 零位校准 电控系统诊断 机器人维护保养,
   duties: 检查诊断机器人机械与电气系统 校准零位并维护保养 采集监测运行数据 编制运维报告}
- {code: 6-30-05-01, name: 起重装卸机械操作工, industry: 装备制造, group: null, weight: 1.2,
   cities: ALL, titles: 起重机司机 天车工 叉车司机, specs: 桥式起重机 门式起重机 叉车,
   work: 从事起重机与叉车操作, permits: [SE 起重机司机（Q2）/SE 叉车司机（N1）],
   skills: 桥式起重机操作 吊具检查 指挥信号 叉车驾驶 设备日常点检,
   duties: 检查调整起重设备与吊具 操作起重机吊运物料 操作叉车装卸物品 维护保养起重装卸设备}
- {code: 6-02-04-01, name: 乳品加工工, industry: 农畜产品加工, group: 乳业, weight: 1.5,
   cities: 150100 150200 150500 150700 150800 152500, titles: 乳品加工工 乳品生产操作工 灌装操作工,
   specs: 液态奶 奶粉 奶酪, work: 从事乳制品加工, permits: [OTHER 食品从业人员健康证明],
   skills: 原料乳验收 均质杀菌 UHT灭菌 发酵控制 无菌灌装 CIP清洗,
   duties: 收储冷却原料乳并标准化 操作均质杀菌与灭菌设备 操作发酵与灌装设备 清洗设备与管道}
- {code: 6-01-04-01, name: 畜禽屠宰加工工, industry: 农畜产品加工, group: 肉业, weight: 1.2,
   cities: 150400 150500 150700 150800 152200 152500, titles: 屠宰加工工 牛羊屠宰工 分割工,
   specs: 肉羊 肉牛 分割, work: 从事牛羊屠宰与分割, permits: [OTHER 食品从业人员健康证明],
   skills: 牛羊屠宰 胴体分割 冷却排酸 分级定级 消毒操作,
   duties: 检查待宰畜只并称重 致昏放血剥皮开膛劈半 分割冷却包装入库 消毒生产环境与工具}
- {code: 6-01-04-03, name: 肉制品加工工, industry: 农畜产品加工, group: 肉业, weight: 0.7,
   cities: 150100 150400 150500 150800 152200 152500, titles: 肉制品加工工 风干牛肉加工工,
   specs: 风干牛肉 酱卤制品, work: 从事肉制品加工, permits: [OTHER 食品从业人员健康证明],
   skills: 腌制 酱卤 烟熏蒸煮 杀菌 感官评价,
   duties: 修整腌制原料肉 操作斩拌与充填设备 蒸煮烟熏并杀菌 评价产品品质}
- {code: 6-29-01-04, name: 钢筋工, industry: 建筑, group: 建筑, weight: 1.5, cities: ALL,
   titles: 钢筋工 钢筋班长, specs: 房建 桥梁 风电基础, work: 从事钢筋加工与绑扎, permits: [],
   skills: 钢筋翻样 钢筋加工 绑扎安装 机械连接 配料单编制,
   duties: 编制配料单并下料 调直切断弯曲钢筋 绑扎安装钢筋骨架 检查成型钢筋质量}
- {code: 6-29-01-03, name: 混凝土工, industry: 建筑, group: 建筑, weight: 1.0, cities: ALL,
   titles: 混凝土工 泵车操作工, specs: 房建 风电基础 大体积混凝土, work: 从事混凝土浇筑与养护,
   permits: [], skills: 配合比控制 泵送浇筑 振捣 养护 缺陷修补,
   duties: 按配合比拌制混凝土 泵送浇筑并振捣 养护并修补缺陷 维护常用机具}
- {code: 6-29-01-05, name: 架子工, industry: 建筑, group: 建筑, weight: 0.8, cities: ALL,
   titles: 架子工 脚手架工, specs: 高层 工业厂房, work: 从事脚手架搭设与拆除,
   permits: [SO 登高架设作业], skills: 扣件式脚手架 盘扣式脚手架 安全网挂设 吊篮安装,
   duties: 搭设拆除操作架与支撑架 挂接拆除安全网 安装维护高处作业吊篮 检查架体质量}
- {code: 6-29-01-01, name: 砌筑工, industry: 建筑, group: 建筑, weight: 0.6, cities: ALL,
   titles: 砌筑工 筑炉工, specs: 砌体 工业窑炉, work: 从事砌体与窑炉砌筑, permits: [],
   skills: 砌体砌筑 窑炉砌筑 耐火材料施工 质量自检,
   duties: 砌筑砖与砌块 砌筑工业窑炉内衬 自检整改施工质量}
- {code: 6-30-05-05, name: 挖掘铲运和桩工机械司机, industry: 建筑, group: 建筑, weight: 1.0,
   cities: ALL, titles: 挖掘机司机 装载机司机 旋挖钻机司机, specs: 土方 桩基 矿山剥离,
   work: 从事挖掘机与桩工机械操作, permits: [], skills: 挖掘机操作 装载机操作 旋挖钻机操作 设备保养,
   duties: 操作挖掘与铲运机械完成土方作业 操作成桩机械施工桩基 调试接地与限位保护
     保养设备并填写履历}
- {code: 6-29-02-15, name: 管道工, industry: 建筑, group: 建筑, weight: 0.9, cities: ALL,
   titles: 管道工 管道安装工, specs: 工艺管道 供热管网 长输管道, work: 从事工艺管道与管网安装,
   permits: [], skills: 管道安装 试压吹扫 管道识图 开孔封堵 管网抢修,
   duties: 配料安装工艺管线 试压吹扫与试运行 维护抢修在役管网 保养专用设备}
"""

# fmt: off
# Enterprise lines of business, by group; brand words; key-project name patterns.
BUSINESS: dict[str, tuple[str, ...]] = {
    "煤炭": ("煤业", "矿业", "能源"), "新能源": ("新能源", "风电", "绿色能源"),
    "电力": ("电力", "供电", "电力工程"), "热力": ("热力", "热电"), "钢铁": ("钢铁", "特钢"),
    "铝业": ("铝业", "铝材"), "稀土": ("稀土新材料", "稀土功能材料", "磁材"),
    "硅材料": ("硅材料", "硅业", "铁合金"), "化工": ("化工", "煤化工", "能源化工"),
    "装备": ("重型机械", "装备制造", "机械制造"), "乳业": ("乳业", "乳品"),
    "肉业": ("肉业", "食品", "牧业"), "建筑": ("建设工程", "建筑安装", "路桥工程"),
}
BRANDS = ("恒泰", "北辰", "金桥", "瑞丰", "华宇", "蒙源", "塞北", "青城", "鹿城", "黄河", "天骄",
          "祥泰", "宏达", "新锐", "银河", "鑫源", "广汇", "正和", "兴盛", "草原", "大漠", "长城")
PROJECTS: dict[str, tuple[str, ...]] = {
    "能源": ("{}100万千瓦风电项目", "{}风光储一体化示范项目", "{}500千伏输变电工程",
             "{}光伏治沙示范项目"),
    "冶金": ("{}铜多金属矿选冶项目", "{}硅基新材料项目"),
    "化工": ("{}煤制气示范项目", "{}精细化工园区项目"),
    "装备制造": ("{}新能源装备基地项目", "{}风电装备制造项目"),
    "农畜产品加工": ("{}现代牧业产业园项目", "{}肉羊精深加工项目"),
    "建筑": ("{}口岸基础设施建设项目", "{}边境公路工程", "{}生态移民安置工程"),
}
# Fake names; Mongolian names are written without a surname. Romanised for e-mail addresses.
SURNAMES = {"王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
            "赵": "zhao", "黄": "huang", "周": "zhou", "吴": "wu", "徐": "xu", "孙": "sun",
            "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "高": "gao", "韩": "han",
            "白": "bai", "包": "bao", "田": "tian", "苏": "su", "贾": "jia", "郝": "hao"}
GIVEN = ("建国", "志强", "海涛", "俊杰", "晓东", "文博", "思远", "立新", "永刚", "春雨", "秀云",
         "丽娜", "红梅", "宏伟", "振华", "海燕", "鹏飞", "佳琪", "伟", "磊", "静", "敏", "勇")
MONGOLIAN = {"巴特尔": "bateer", "苏和": "suhe", "额尔敦": "eerdun", "格日勒图": "geriletu",
             "孟和": "menghe", "乌力吉": "wuliji", "朝鲁": "chaolu", "斯琴": "siqin",
             "其木格": "qimuge", "萨仁": "saren", "那顺": "nashun", "阿拉坦仓": "alatancang"}

GRADE_WEIGHTS = {3: 36, 4: 30, 2: 12, 5: 10, 1: 4, 0: 8}  # 0: no grade stated
GRADE_NAMES = {1: "高级技师", 2: "技师", 3: "高级", 4: "中级", 5: "初级"}
YEARS = {1: (12, 30), 2: (8, 24), 3: (5, 16), 4: (2, 9), 5: (0, 3), 0: (0, 12)}
WAGES = {1: (12000, 20000), 2: (9500, 15000), 3: (7500, 11500), 4: (5800, 8500),
         5: (4200, 6000), 0: (5000, 8000)}
INDUSTRY_PAY = {"能源": 1.1, "冶金": 1.05, "化工": 1.15, "装备制造": 1.0, "农畜产品加工": 0.85,
                "建筑": 0.95}
EXTRAS = ("带过徒弟", "熟悉安全生产规程，多年无安全事故", "能独立处理常见故障", "有倒班工作经验",
          "参加过技能竞赛", "参与过新装置开车", "熟悉设备点检与保养")
BENEFITS = ("缴纳五险一金", "提供食宿", "倒班补贴", "年度体检", "带薪年休假", "提供技能提升培训")
# fmt: on
Permit = tuple[str, str]  # (certificate type, name)


@dataclass(frozen=True)
class Trade:
    code: str  # CSCO 2022 level-4 code
    name: str
    industry: str
    group: str | None
    cities: tuple[str, ...]
    weight: float
    titles: tuple[str, ...]
    specs: tuple[str, ...]
    work: str
    skills: tuple[str, ...]
    duties: tuple[str, ...]
    permits: tuple[tuple[Permit, ...], ...]


def _permit(text: str) -> Permit:
    kind, name = text.split(" ", 1)
    return PERMIT_TYPES[kind], name


@cache
def trades() -> tuple[Trade, ...]:
    """The trade table (parsed on first use)."""
    out = []
    for e in yaml.safe_load(TRADES_YAML):
        cities = str(e["cities"])
        out.append(
            Trade(
                code=e["code"],
                name=e["name"],
                industry=e["industry"],
                group=e["group"],
                cities=tuple(CITIES) if cities == "ALL" else tuple(cities.split()),
                weight=float(e["weight"]),
                titles=tuple(e["titles"].split()),
                specs=tuple(str(e["specs"]).split()),
                work=e["work"],
                skills=tuple(e["skills"].split()),
                duties=tuple(e["duties"].split()),
                permits=tuple(
                    tuple(_permit(alt) for alt in slot.split("/")) for slot in e["permits"]
                ),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class _Context:
    rng: random.Random
    regions: RegionCatalog
    counties: dict[str, list[str]]  # city → its county codes
    remote: list[str]


def _context(kind: str, seed: int) -> _Context:
    regions = RegionCatalog.load()
    counties = {city: [r.code for r in regions.children(city)] for city in CITIES}
    rng = random.Random(f"{kind}:{seed}")  # noqa: S311 - demo data, not security
    return _Context(rng, regions, counties, sorted(regions.remote_area_codes))


def _weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


def _city(ctx: _Context) -> str:
    return _weighted(ctx.rng, list(CITIES), [w for _, w in CITIES.values()])


def _trade(ctx: _Context, city: str) -> Trade:
    options = [t for t in trades() if city in t.cities]
    return _weighted(ctx.rng, options, [t.weight for t in options])


def _grade(rng: random.Random) -> int:
    return _weighted(rng, list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values()))


def _title(rng: random.Random, trade: Trade, grade: int) -> str:
    base = rng.choice(trade.titles)
    stem = base[:-1] if base.endswith("员") else base
    forms = {
        1: [f"{stem}高级技师", f"高级技师（{base}）"],
        2: [f"{stem}技师"],
        3: [f"高级{base}", f"{base}（高级工）"],
        4: [f"中级{base}", base],
        5: [f"初级{base}", base],
        0: [base],
    }[grade]
    title = rng.choice(forms)
    if "（" not in title and rng.random() < 0.45:
        title += f"（{rng.choice(trade.specs)}）"
    return title


def _permits(rng: random.Random, trade: Trade) -> list[Permit]:
    return [rng.choice(slot) for slot in trade.permits]


def _wage(rng: random.Random, trade: Trade, grade: int, remote: bool) -> tuple[int, int]:
    low, high = WAGES[grade]
    factor = INDUSTRY_PAY[trade.industry] * (1.15 if remote else 1.0) * rng.uniform(0.9, 1.1)
    return int(round(low * factor, -2)), int(round(high * factor, -2))


def _location(ctx: _Context, county: str) -> dict[str, float] | None:
    region = ctx.regions.get(county)
    if region is None or region.lon is None or region.lat is None:
        return None
    jitter = ctx.rng.uniform
    return {
        "lat": round(region.lat + jitter(-0.03, 0.03), 4),
        "lon": round(region.lon + jitter(-0.03, 0.03), 4),
    }


def _enterprise(ctx: _Context, city: str, trade: Trade) -> tuple[str, str]:
    group = trade.group
    while group is None:  # an electrician or welder: any plant of the city hires them
        group = _trade(ctx, city).group
    # A small fixed pool per (city, group): the same enterprise posts several roles.
    number = ctx.rng.randrange(4)
    pool = random.Random(f"{city}:{group}:{number}")  # noqa: S311 - stable fake names
    name = (
        f"{CITIES[city][0]}{pool.choice(BRANDS)}{pool.choice(BUSINESS[group])}"
        f"{pool.choice(('有限公司', '有限责任公司', '股份有限公司'))}"
    )
    return f"gen-ent-{city}-{list(BUSINESS).index(group):02d}{number}", name


def _contact(ctx: _Context, index: int) -> dict[str, str | None]:
    rng = ctx.rng
    if rng.random() < 0.15:
        name, roman = rng.choice(list(MONGOLIAN.items()))
    else:
        surname, roman = rng.choice(list(SURNAMES.items()))
        name = surname + rng.choice(GIVEN)
    email = f"{roman}.{index:06d}@example.cn" if rng.random() < 0.6 else None
    return {"name": name, "phone": f"138{rng.randrange(10**8):08d}", "email": email}


def _certificates(ctx: _Context, trade: Trade, grade: int, city: str) -> list[dict[str, Any]]:
    rng, certs = ctx.rng, []
    if grade and rng.random() < 0.88:
        issued = date(rng.randint(2012, 2025), rng.randint(1, 12), rng.randint(1, 28))
        certs.append(
            {
                "type": "skill_level",
                "name": f"{trade.name}职业技能等级证书",
                "occupation_code": trade.code,
                "level": grade,
                "number": f"S{issued.year}{city[:4]}{rng.randrange(10**7):07d}",
                "issued_on": issued.isoformat(),
                "expires_on": None,
            }
        )
    for kind, name in _permits(rng, trade):
        if rng.random() < 0.12:
            continue  # holds the trade but not the permit: matching must exclude them
        years = {SO: 6, SE: 4, OTHER: 1}[kind]  # validity between reviews
        # About one in ten has lapsed (review missed) before 2026.
        lapsed = rng.random() < 0.1
        start_year = rng.randint(2014, 2025 - years) if lapsed else rng.randint(2026 - years, 2025)
        issued = date(start_year, rng.randint(1, 12), rng.randint(1, 28))
        prefix = {SO: "T", SE: "TS", OTHER: "JK"}[kind]
        certs.append(
            {
                "type": kind,
                "name": name,
                "occupation_code": trade.code if kind != OTHER else None,
                "level": None,
                "number": f"{prefix}{city[:4]}{issued.year}{rng.randrange(10**6):06d}",
                "issued_on": issued.isoformat(),
                "expires_on": issued.replace(year=issued.year + years).isoformat(),
            }
        )
    return certs


def _profile(ctx: _Context, index: int) -> dict[str, Any]:
    rng = ctx.rng
    city = _city(ctx)
    trade = _trade(ctx, city)
    grade = _grade(rng)
    low, high = YEARS[grade]
    years = rng.randint(low, high)
    codes = [trade.code]
    if rng.random() < 0.1:
        other = rng.choice([t for t in trades() if t.industry == trade.industry])
        codes += [other.code] if other.code != trade.code else []
    skills = rng.sample(trade.skills, k=min(len(trade.skills), rng.randint(3, 5)))
    summary = (
        (f"{trade.work}{years}年，熟练{'、'.join(skills[:2])}，{rng.choice(EXTRAS)}。")
        if years
        else f"{trade.work}，刚完成培训，熟悉{skills[0]}。"
    )
    willing = rng.random() < 0.4
    preferred: list[str] = []
    if willing:
        preferred = rng.sample([c for c in CITIES if c != city], k=rng.randint(1, 2))
        if rng.random() < 0.5:
            preferred.append(rng.choice(ctx.remote))
    wage = None
    if rng.random() < 0.9:
        wlow, whigh = _wage(rng, trade, grade, remote=False)
        wage = int(round(rng.uniform(wlow, whigh), -2))
    awards: list[str] = []
    if grade in (1, 2, 3) and rng.random() < 0.06:
        awards = [
            _weighted(rng, ("自治区技术能手", "内蒙古自治区技术能手", "全国技术能手"), (4, 4, 2))
        ]
    status = _weighted(rng, ("active", "paused", "withdrawn"), (88, 8, 4))
    return {
        "id": f"gen-prof-{index:06d}",
        "owner_id": f"gen-seeker-{index:06d}",
        "title": _title(rng, trade, grade),
        "summary": summary,
        "skills": skills,
        "occupation_codes": codes,
        "skill_level": grade or None,
        "certificates": _certificates(ctx, trade, grade, city),
        "years_experience": years,
        "region_code": rng.choice(ctx.counties[city]),
        "willing_to_relocate": willing,
        "preferred_region_codes": preferred,
        "expected_monthly_wage": wage,
        "awards": awards,
        "contact": _contact(ctx, index),
        "status": status,
    }


def _posting(ctx: _Context, index: int) -> dict[str, Any]:
    rng = ctx.rng
    key_project: dict[str, Any] | None = None
    if rng.random() < 0.12:
        county = rng.choice(ctx.remote)
        city = ctx.regions.city_of(county) or "150000"
        trade = _trade(ctx, city)
        region = ctx.regions.get(county)
        place = region.name if region else ""
        key_project = {"name": rng.choice(PROJECTS[trade.industry]).format(place), "remote": True}
    else:
        city = _city(ctx)
        trade = _trade(ctx, city)
        county = rng.choice(ctx.counties[city])
    grade = _grade(rng)
    enterprise_id, enterprise_name = _enterprise(ctx, city, trade)
    title = _title(rng, trade, grade)
    headcount = _weighted(rng, (1, 2, 3, 5, 8, 10, 20), (25, 25, 18, 14, 8, 6, 4))
    permits = _permits(rng, trade)
    required = [{"type": k, "name": n, "mandatory": k != OTHER} for k, n in permits]
    if grade and rng.random() < 0.3:
        required.append(
            {"type": "skill_level", "name": f"{trade.name}职业技能等级证书", "mandatory": False}
        )
    low = YEARS[grade][0]
    need = (f"{GRADE_NAMES[grade]}及以上职业技能等级，" if grade else "") + (
        f"{max(low, 1)}年以上相关工作经验" if low else "有相关工作经验或培训经历者均可"
    )
    if permits:
        need += f"，持有效的{'、'.join(n + PERMIT_SUFFIX[k] for k, n in permits)}"
    duties = "；".join(rng.sample(trade.duties, k=min(3, len(trade.duties))))
    perks = "、".join(rng.sample(BENEFITS, k=3))
    where = f"{key_project['name']}现场" if key_project else "生产一线"
    description = (
        f"{enterprise_name}招聘{title}{headcount}名，工作地点为{where}。"
        f"岗位职责：{duties}。任职要求：{need}。待遇：{perks}。"
    )
    wages: tuple[int | None, int | None] = (None, None)
    if rng.random() < 0.85:
        wages = _wage(rng, trade, grade, remote=key_project is not None)
    if key_project is None and rng.random() < 0.04:
        inland = [p for p in PROJECTS[trade.industry] if "边境" not in p and "口岸" not in p]
        project = rng.choice(inland).format(CITIES[city][0])
        key_project = {"name": project, "remote": False}
    start = date(2026, _weighted(rng, (1, 4, 7, 10), (30, 30, 25, 15)), 1)
    start += timedelta(days=rng.randrange(30))
    until = start + timedelta(days=rng.choice((89, 119, 180)))
    status = _weighted(rng, ("active", "paused", "closed", "filled"), (85, 5, 5, 5))
    return {
        "id": f"gen-post-{index:06d}",
        "enterprise_id": enterprise_id,
        "enterprise_name": enterprise_name,
        "title": title,
        "description": description,
        "occupation_code": trade.code,
        "required_level": grade or None,
        "required_certificates": required,
        "headcount": headcount,
        "wage_min": wages[0],
        "wage_max": wages[1],
        "region_code": county,
        "location": _location(ctx, county),
        "industry": trade.industry,
        "key_project": key_project,
        "valid_from": start.isoformat(),
        "valid_until": until.isoformat(),
        "status": status,
    }


def generate_profiles(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` seeker profiles (with an ``id`` key beside the ``ProfileIn`` fields)."""
    ctx = _context("profiles", seed)
    return [_profile(ctx, i) for i in range(1, n + 1)]


def generate_postings(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` shortage postings (with an ``id`` key beside the ``PostingIn`` fields)."""
    ctx = _context("postings", seed)
    return [_posting(ctx, i) for i in range(1, n + 1)]


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write synthetic demo profiles and postings.")
    parser.add_argument("--profiles", type=int, default=1000, help="number of profiles")
    parser.add_argument("--postings", type=int, default=400, help="number of postings")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "profiles.jsonl", generate_profiles(args.profiles, args.seed))
    write_jsonl(args.out / "postings.jsonl", generate_postings(args.postings, args.seed))
    print(f"wrote {args.profiles} profiles and {args.postings} postings to {args.out}")


if __name__ == "__main__":
    main()
